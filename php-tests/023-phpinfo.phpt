--TEST--
phpinfo shows version, stores, the settings, and the active save_path with secrets masked
--SKIPIF--
<?php if (!extension_loaded('rsession')) die('skip rsession not loaded'); ?>
--INI--
session.save_handler=rsession
session.use_cookies=0
session.use_only_cookies=0
session.cache_limiter=
session.use_strict_mode=0
session.gc_maxlifetime=1440
session.serialize_handler=php
--FILE--
<?php
require __DIR__ . '/inc/helpers.php';
// transports: tcp
// (no store involved)
ini_set('session.save_path', 'redis://alice:topsecret@10.1.2.3:6379/2?prefix=x, tcp://h:1?auth=hush&prefix=x&weight=3');
ob_start();
phpinfo(INFO_MODULES);
$info = ob_get_clean();
preg_match('/\nrsession\n.*?(?=\n\n[a-z])/s', $info, $m);
$section = $m[0] ?? $info;
foreach (['rsession support => enabled', 'Version => ', 'Stores => redis', 'rsession.connect_timeout => 1 => 1', 'rsession.read_timeout => 1 => 1', 'rsession.early_refresh => 0 => 0',
          'Active save_path => redis://alice:***@10.1.2.3:6379/2?prefix=x, tcp://h:1?auth=***&prefix=x&weight=3',
          'Redis hosts => 10.1.2.3:6379 db 2 (weight 1/4), h:1 (weight 3/4)'] as $want) {
    echo str_contains($section, $want) ? "has: $want\n" : "MISSING: $want\n";
}
var_dump(str_contains($section, 'topsecret'), str_contains($section, 'hush'));
// One Redis store, in each mode: where its sessions go, as its warnings name it.
foreach (['seed[]=10.0.0.1:7000&seed[]=10.0.0.2:7000&auth=hush', 'redis+sentinel://10.0.0.7:26379,10.0.0.8:26379/mymaster/2?auth=hush', 'rediss://10.0.0.9:6380?verify_peer=0&auth=hush'] as $path) {
    ini_set('session.save_path', $path);
    ob_start();
    phpinfo(INFO_MODULES);
    $info = ob_get_clean();
    preg_match('/\nrsession\n.*?(?=\n\n[a-z])/s', $info, $m);
    $section = $m[0] ?? $info;
    preg_match('/^Redis => .*$/m', $section, $m);
    echo $m[0] ?? 'MISSING: Redis =>', str_contains($section, 'hush') ? ' (PASSWORD SHOWN)' : '', "\n";
}
?>
--EXPECT--
has: rsession support => enabled
has: Version => 
has: Stores => redis
has: rsession.connect_timeout => 1 => 1
has: rsession.read_timeout => 1 => 1
has: rsession.early_refresh => 0 => 0
has: Active save_path => redis://alice:***@10.1.2.3:6379/2?prefix=x, tcp://h:1?auth=***&prefix=x&weight=3
has: Redis hosts => 10.1.2.3:6379 db 2 (weight 1/4), h:1 (weight 3/4)
bool(false)
bool(false)
Redis => cluster 10.0.0.1:7000,10.0.0.2:7000
Redis => sentinel mymaster (10.0.0.7:26379,10.0.0.8:26379) db 2
Redis => tls 10.0.0.9:6380
