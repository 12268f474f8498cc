<?php
// Shared by request.php and verify.php (the ZTS harness runs both as scripts).
declare(strict_types=1);

/** The session's data, read without locking (retried while the store fails), or null. */
function read_back(string $id): ?array
{
    $deadline = microtime(true) + 20;
    do {
        session_id($id);
        if (@session_start(['read_and_close' => true])) {
            return $_SESSION;
        }
        usleep(10000);
    } while (microtime(true) < $deadline);
    return null;
}
