<?php
// SimpleSAMLphp 1.19 (Debian) as a loopback test IdP. ../simplesamlphp.ts copies this file into a per-run
// SIMPLESAMLPHP_CONFIG_DIR next to run.json, keys and sessions: nothing under /etc is read or changed.
// Config and metadata are read again on every request, so the SP metadata file can be swapped live.
$run = json_decode(file_get_contents(__DIR__ . '/run.json'), true);
$cookie = 'SSP' . $run['port'];  // per-instance cookie names: several IdPs on 127.0.0.1 can share one jar
$config = [
    'baseurlpath' => $run['baseUrl'] . '/',
    'certdir' => __DIR__ . '/',
    'loggingdir' => __DIR__ . '/',
    'datadir' => __DIR__ . '/',
    'tempdir' => __DIR__ . '/tmp',
    'secretsalt' => $run['secretSalt'],
    'auth.adminpassword' => $run['secretSalt'],
    'admin.protectindexpage' => false,
    'admin.protectmetadata' => false,
    'technicalcontact_name' => 'Drawbridge tests',
    'technicalcontact_email' => 'na@example.test',
    'timezone' => 'UTC',
    'language.default' => 'en',
    'logging.level' => SimpleSAML\Logger::WARNING,
    'logging.handler' => 'stderr',
    'showerrors' => true,
    'errorreporting' => false,
    'enable.saml20-idp' => true,
    'module.enable' => ['exampleauth' => true, 'core' => true, 'saml' => true],
    'store.type' => 'phpsession',
    'session.phpsession.savepath' => __DIR__ . '/sessions',
    'session.phpsession.cookiename' => $cookie,
    'session.cookie.name' => $cookie . 'SessionID',
    'session.authtoken.cookiename' => $cookie . 'AuthToken',
    'session.cookie.secure' => false,
    'session.cookie.samesite' => null,
    // saml20-idp-hosted.php, and saml20-sp-remote.php that reads the SP's metadata XML file
    'metadata.sources' => [['type' => 'flatfile', 'directory' => __DIR__ . '/metadata']],
    'metadata.sign.enable' => false,
];
