<?php
// The hosted IdP: key, users, encryption and attribute naming come from the run (see ../../simplesamlphp.ts);
// what gets signed is set per SP in saml20-sp-remote.php.
$run = json_decode(file_get_contents(dirname(__DIR__) . '/run.json'), true);
$email = 'urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress';
$unspecified = 'urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified';
$authproc = [
    // NameID = the email attribute, for SPs asking for emailAddress or unspecified (transient is built in)
    10 => ['class' => 'saml:AttributeNameID', 'attribute' => 'email', 'Format' => $email],
    11 => ['class' => 'saml:AttributeNameID', 'attribute' => 'email', 'Format' => $unspecified],
];
if ($run['attributeNames']) {
    $authproc[50] = ['class' => 'core:AttributeMap'] + $run['attributeNames'];  // e.g. email => claim URI
}
$metadata[$run['entityId']] = [
    'host' => '__DEFAULT__',
    'privatekey' => 'idp.key',
    'certificate' => 'idp.crt',
    'auth' => 'users',
    'signature.algorithm' => 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256',
    'assertion.encryption' => $run['encryptAssertion'],
    'NameIDFormat' => $email,
    'attributes.NameFormat' => $run['nameFormat'],
    'authproc' => $authproc,
];
