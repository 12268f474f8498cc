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
