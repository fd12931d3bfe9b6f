#!/usr/bin/python3
"""A SAML 2.0 IdP on Debian's python3-pysaml2, on 127.0.0.1 only; started by ../pysaml2.ts.

    /usr/bin/python3 idp.py RUN.json

RUN.json: {"port", "baseUrl", "entityId", "keyFile", "certFile", "spMetadataFile",
           "users": {name: {"password", "attributes": {name: [values]}}},
           "nameFormat": attribute NameFormat URI, "attributeNames": {local name: emitted name},
           "sign": "both|response|assertion|none", "encryptAssertion": bool}
Endpoints:
  GET  /metadata                                   the IdP's metadata
  GET  /sso/redirect?SAMLRequest=&RelayState=      SP-initiated, HTTP-Redirect binding  -> login form
  POST /sso/post  SAMLRequest, RelayState          SP-initiated, HTTP-POST binding      -> login form
  GET  /idp-init?sp=<entityID>&RelayState=         IdP-initiated (unsolicited)          -> login form
  POST /login     username, password + the form's hidden fields -> auto-POST form to the SP's ACS,
                  or the login form again (HTTP 200, "Incorrect username or password") on bad credentials
`sign=both|response|assertion|none` on the first three overrides the run's signing for that login.
The SP metadata file is read again when it is replaced, so a test can swap the SP without a restart.
"""
import html
import json
import os
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

from saml2 import BINDING_HTTP_POST, BINDING_HTTP_REDIRECT
from saml2.attribute_converter import AttributeConverter
from saml2.config import IdPConfig
from saml2.metadata import create_metadata_string
from saml2.saml import NAMEID_FORMAT_EMAILADDRESS, NameID
from saml2.server import Server
from saml2.xmldsig import DIGEST_SHA256, SIG_RSA_SHA256

RUN = json.load(open(sys.argv[1]))
BASE = RUN['baseUrl']
SIGN_CHOICES = ('both', 'response', 'assertion', 'none')


def build_server():
    conf = {
        'entityid': RUN['entityId'],
        'service': {'idp': {
            'endpoints': {'single_sign_on_service': [(f'{BASE}/sso/redirect', BINDING_HTTP_REDIRECT),
                                                     (f'{BASE}/sso/post', BINDING_HTTP_POST)]},
            'name_id_format': [NAMEID_FORMAT_EMAILADDRESS],
            'policy': {'default': {'lifetime': {'minutes': 5}, 'name_form': RUN['nameFormat'],
                                   'attribute_restrictions': None}},
            'want_authn_requests_signed': False,
        }},
        'key_file': RUN['keyFile'], 'cert_file': RUN['certFile'],
        'metadata': {'local': [RUN['spMetadataFile']]},
        'xmlsec_binary': '/usr/bin/xmlsec1',
    }
    server = Server(config=IdPConfig().load(conf))
    # Emit the users' attributes under the run's names and NameFormat (pass-through by default).
    names = {n for user in RUN['users'].values() for n in user['attributes']}
    to = {n: RUN['attributeNames'].get(n, n) for n in names}
    converter = AttributeConverter(RUN['nameFormat'])
    converter.from_dict({'identifier': RUN['nameFormat'], 'to': to, 'fro': {v: k for k, v in to.items()}})
    server.config.attribute_converters = [converter]
    return server


state = {'version': None, 'idp': None}


def idp():
    st = os.stat(RUN['spMetadataFile'])  # setSp renames a new file in: a new inode
    if (st.st_ino, st.st_mtime_ns) != state['version']:
        state['idp'], state['version'] = build_server(), (st.st_ino, st.st_mtime_ns)
    return state['idp']


LOGIN_PAGE = """<!DOCTYPE html><html><head><title>pysaml2 test IdP: log in</title></head><body>
<h1>Log in</h1>{error}<form method="post" action="/login">{hidden}
<label>Username <input type="text" name="username" autofocus></label>
<label>Password <input type="password" name="password"></label>
<button type="submit">Log in</button></form></body></html>"""


def login_page(fields, error=''):
    hidden = ''.join(f'<input type="hidden" name="{html.escape(k)}" value="{html.escape(v)}">'
                     for k, v in fields.items())
    return LOGIN_PAGE.format(error=f'<p class="error">{html.escape(error)}</p>' if error else '', hidden=hidden)


def response_args(server, fields):
    """Where and how to answer: parsed from the AuthnRequest, or built for an IdP-initiated login."""
    if 'SAMLRequest' in fields:
        binding = BINDING_HTTP_POST if fields.get('binding') == 'post' else BINDING_HTTP_REDIRECT
        request = server.parse_authn_request(fields['SAMLRequest'], binding)
        return server.response_args(request.message, [BINDING_HTTP_POST])
    sp = fields['sp']
    acs = server.metadata.assertion_consumer_service(sp, BINDING_HTTP_POST)[0]['location']
    return {'in_response_to': None, 'destination': acs, 'sp_entity_id': sp, 'name_id_policy': None}


def saml_response(server, fields, identity):
    args = response_args(server, fields)
    sign = fields.get('sign') or RUN['sign']
    email = identity['email'][0]
    response = server.create_authn_response(
        identity, userid=email, name_id=NameID(format=NAMEID_FORMAT_EMAILADDRESS, text=email),
        authn={'class_ref': 'urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport'},
        sign_assertion=sign in ('assertion', 'both'), sign_response=sign in ('response', 'both'),
        encrypt_assertion=RUN['encryptAssertion'], sign_alg=SIG_RSA_SHA256, digest_alg=DIGEST_SHA256, **args)
    http_args = server.apply_binding(BINDING_HTTP_POST, str(response), args['destination'],
                                     fields.get('RelayState', ''), response=True)
    return http_args['data']


class Handler(BaseHTTPRequestHandler):
    def send(self, code, body, content_type='text/html; charset=utf-8'):
        data = body.encode() if isinstance(body, str) else body
        self.send_response(code)
        self.send_header('content-type', content_type)
        self.send_header('content-length', str(len(data)))
        self.send_header('connection', 'close')
        self.end_headers()
        self.wfile.write(data)

    def fields(self):
        query = {k: v[0] for k, v in parse_qs(urlparse(self.path).query).items()}
        if self.command == 'POST':
            length = int(self.headers.get('content-length', 0))
            query.update({k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()})
        return query

    def handle_any(self):
        path, fields = urlparse(self.path).path, self.fields()
        try:
            server = idp()
            if fields.get('sign', 'both') not in SIGN_CHOICES:
                return self.send(400, 'sign must be one of ' + ', '.join(SIGN_CHOICES), 'text/plain')
            if path == '/metadata':
                md = create_metadata_string(None, config=server.config, valid=None, sign=False)
                return self.send(200, md, 'application/samlmetadata+xml')
            if path in ('/sso/redirect', '/sso/post', '/idp-init'):
                keep = {k: fields[k] for k in ('SAMLRequest', 'RelayState', 'sp', 'sign') if k in fields}
                if path == '/sso/post':
                    keep['binding'] = 'post'
                response_args(server, keep)  # reject a bad request or an unknown SP before the login form
                return self.send(200, login_page(keep))
            if path == '/login' and self.command == 'POST':
                user = RUN['users'].get(fields.get('username', ''))
                keep = {k: v for k, v in fields.items() if k not in ('username', 'password')}
                if user is None or user['password'] != fields.get('password'):
                    return self.send(200, login_page(keep, 'Incorrect username or password.'))
                return self.send(200, saml_response(server, keep, user['attributes']))
            self.send(404, 'not found', 'text/plain')
        except Exception as e:  # surface IdP-side rejections (bad request, unknown SP...) to the test
            self.send(400, f'{type(e).__name__}: {e}', 'text/plain')

    do_GET = do_POST = handle_any

    def log_message(self, *args):
        pass


if __name__ == '__main__':
    idp()
    httpd = ThreadingHTTPServer(('127.0.0.1', RUN['port']), Handler)
    print(f'pysaml2 IdP listening on {BASE}', flush=True)
    httpd.serve_forever()
