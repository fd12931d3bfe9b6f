<?php
// The run's users as exampleauth:UserPass ("name:password" => attributes, multi-valued as arrays).
$run = json_decode(file_get_contents(__DIR__ . '/run.json'), true);
$users = ['exampleauth:UserPass'];
foreach ($run['users'] as $name => $user) {
    $users[$name . ':' . $user['password']] = $user['attributes'];
}
$config = ['users' => $users];
