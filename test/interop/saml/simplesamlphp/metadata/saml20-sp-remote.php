<?php
// The SP under test, parsed from its metadata XML file on every request (swap the file, no restart),
// with the run's signing choice on top: SP-level settings win over the hosted IdP's, and the parser
// turns WantAssertionsSigned="true" into saml20.sign.assertion, which would rule out sign=response.
$run = json_decode(file_get_contents(dirname(__DIR__) . '/run.json'), true);
foreach (\SimpleSAML\Metadata\SAMLParser::parseDescriptorsFile($run['spMetadataFile']) as $entityId => $entity) {
    $sp = $entity->getMetadata20SP();
    if ($sp !== null) {
        $metadata[$entityId] = array_merge($sp, [
            'saml20.sign.response' => in_array($run['sign'], ['both', 'response'], true),
            'saml20.sign.assertion' => in_array($run['sign'], ['both', 'assertion'], true),
        ]);
    }
}
