--TEST--
rsession loads, registers the save handler and declares its dependency on session
--SKIPIF--
<?php if (!extension_loaded('rsession')) die('skip rsession not loaded'); ?>
--FILE--
<?php
// transports: tcp
// (no store involved)
ob_start();
$ext = new ReflectionExtension('rsession');
var_dump($ext->getVersion() !== '');
var_dump(array_key_exists('session', $ext->getDependencies()));
var_dump($ext->getDependencies()['session']);
var_dump(ini_get('rsession.connect_timeout'), ini_get('rsession.read_timeout'), ini_get('rsession.early_refresh'));
var_dump(ini_set('session.save_handler', 'rsession') !== false);
var_dump(ini_get('session.save_handler'));
?>
--EXPECT--
bool(true)
bool(true)
string(8) "Required"
string(1) "1"
string(1) "1"
string(1) "0"
bool(true)
string(8) "rsession"
