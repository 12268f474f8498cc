<?php
// An rsession status page: this php-fpm worker's counters and node states as JSON. Each worker
// counts its own requests, so a collector fetches the page until it has seen every worker's pid
// and sums the latest answer of each (scripts/fpm-stats.sh does). It starts no session.
// Serve it to the monitoring host only (README, Operations).
header('Content-Type: application/json');
header('Cache-Control: no-store');
echo json_encode(function_exists('rsession_stats') ? rsession_stats() : ['error' => 'rsession is not loaded'],
    JSON_PRETTY_PRINT | JSON_UNESCAPED_SLASHES | JSON_UNESCAPED_UNICODE), "\n";
