<?php
// The end-to-end benchmark page: one session cycle per request, on the id wrk asks for.
session_id(preg_replace('/[^a-z0-9]/', '', $_GET['id'] ?? 'x'));
session_start();
$_SESSION['p'] ??= str_repeat('x', 1024);
$_SESSION['n'] = ($_SESSION['n'] ?? 0) + 1;
echo $_SESSION['n'];
