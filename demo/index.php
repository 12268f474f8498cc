<?php
// The demo page: which PHP server answered, and this visitor's counter, kept in the session
// that both servers share through rsession.
session_start();
$_SESSION['counter'] = ($_SESSION['counter'] ?? 0) + 1;
header('Content-Type: text/plain');
printf("server %s  counter %d  session %s…\n", getenv('RSESSION_NODE') ?: '?', $_SESSION['counter'], substr(session_id(), 0, 8));
