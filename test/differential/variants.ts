/**
 * The server and certificate variants the differential suite runs against both s2n-tls's client (s2n-check.sh) and
 * the product. Each says which rule or limit it exercises; the verdict itself is never written here: s2n gives it.
 */
import type { TlsOptions } from 'node:tls';
import { ca, EKU, keys, KU, leaf, nameConstraints, unknownExtension, type Issued } from './certs';

export const HOST = 'origin.s2n.test';
const DAY = 86_400_000;

export interface ServerSetup {
  /** Certificates in the order the server sends them. */
  chain: Issued[];
  /** Whose private key the server uses (default: the first certificate's). */
  keyOf?: Issued;
  tls?: Partial<TlsOptions>;
}

export interface Variant {
  name: string;
  /** The rule, limit, suite or group it exercises. */
  rule: string;
  /** OriginSslProtocols, comma separated (default TLSv1.2). */
  protocols?: string;
  family?: '2025' | 'legacy';
  /** The SNI / host name CloudFront sends (default HOST). */
  sni?: string;
  server: ServerSetup;
  /** The trust anchors (the CA file of both sides). */
  anchors: Issued[];
}

const TLS12: Partial<TlsOptions> = { minVersion: 'TLSv1.2', maxVersion: 'TLSv1.2' };
const TLS13: Partial<TlsOptions> = { minVersion: 'TLSv1.3', maxVersion: 'TLSv1.3' };
const LEGACY_TLS = (v: 'TLSv1' | 'TLSv1.1', cipher: string): Partial<TlsOptions> => ({ minVersion: v, maxVersion: v, ciphers: `${cipher}:@SECLEVEL=0` });

export async function buildVariants(): Promise<Variant[]> {
  const ec = await keys('ec', 'leaf');
  const rsa = await keys('rsa', 'leaf');
  const rsa1024 = await keys('rsa1024', 'leaf');
  const root = await ca('CN=s2n diff root, O=s2n differential', await keys('ec', 'root'));
  const inter = await ca('CN=s2n diff intermediate, O=s2n differential', await keys('ec', 'inter'), root);
  const otherRoot = await ca('CN=s2n diff private root, O=elsewhere', await keys('ec', 'other-root'));
  const otherInter = await ca('CN=s2n diff private intermediate, O=elsewhere', await keys('ec', 'other-inter'), otherRoot);
  const good = await leaf([HOST, `www.${HOST}`], ec, inter);
  const rsaLeaf = await leaf([HOST], rsa, inter);
  const extras = await Promise.all(
    Array.from({ length: 6 }, async (_, i) => ca(`CN=s2n diff unrelated ${i}, O=elsewhere`, await keys('ec', `unrelated-${i}`))),
  );
  const std = (chain: Issued[], more: Partial<ServerSetup> = {}): ServerSetup => ({ chain, ...more });
  const past = (days: number) => new Date(Date.now() - days * DAY);
  const future = (days: number) => new Date(Date.now() + days * DAY);
  const manyNames = (n: number) => [HOST, ...Array.from({ length: n - 1 }, (_, i) => `n${i}.many.${HOST}`)];

  const v: Variant[] = [];
  const add = (x: Variant) => v.push(x);
  const cert = (name: string, rule: string, chain: Issued[], anchors: Issued[] = [root], more: Partial<Variant> = {}, server: Partial<ServerSetup> = {}) =>
    add({ name, rule, server: std(chain, server), anchors, ...more });

  // --- path: trust, completeness, order, size ------------------------------------------------------------------
  cert('healthy: leaf + intermediate', 'baseline', [good, inter]);
  cert('leaf + intermediate + root', 'baseline', [good, inter, root]);
  cert('intermediate missing', 'missing intermediates fail (no AIA)', [good]);
  cert('leaf issued by the root itself', 'baseline', [await leaf([HOST], ec, root)]);
  cert('private root, not sent', 'untrusted anchor', [await leaf([HOST], ec, otherInter), otherInter]);
  cert('private root, sent', 'untrusted anchor', [await leaf([HOST], ec, otherInter), otherInter, otherRoot]);
  const self = await leaf([HOST], ec, undefined);
  cert('self-signed leaf, not trusted', 'untrusted anchor', [self]);
  cert('self-signed leaf in the CA file', 'PARTIAL_CHAIN: any trust-store certificate is an anchor', [self], [self]);
  cert('intermediate as the only anchor', 'PARTIAL_CHAIN', [good, inter], [inter]);
  cert('order: root before intermediate', 'order: unordered pool', [good, root, inter]);
  cert('order: unrelated certificate in between', 'order: extra certificates ignored', [good, extras[0], inter]);
  cert('leaf not first', 'only the first certificate must be the leaf', [inter, good], [root], {}, { keyOf: inter });
  cert('7 certificates', 'at most 7 certificates (7: ok)', [good, inter, ...extras.slice(0, 5)]);
  cert('8 certificates', 'at most 7 certificates (8: fails)', [good, inter, ...extras.slice(0, 6)]);
  cert('cross-signed path to the other root', 'path building through a cross-signature', [good, inter, await ca('CN=s2n diff root, O=s2n differential', root.keys, otherRoot)], [otherRoot]);
  cert('message under 64 KiB (2000 SANs)', 'handshake message <= 65536 bytes', [await leaf(manyNames(2000), ec, inter), inter]);
  cert('message over 64 KiB (3000 SANs)', 'handshake message > 65536 bytes fails', [await leaf(manyNames(3000), ec, inter), inter]);

  // --- dates ----------------------------------------------------------------------------------------------------
  cert('expired leaf', 'validity', [await leaf([HOST], ec, inter, { notBefore: past(30), notAfter: past(1) }), inter]);
  cert('leaf not yet valid', 'validity', [await leaf([HOST], ec, inter, { notBefore: future(1), notAfter: future(30) }), inter]);
  const expiredInter = await ca('CN=s2n diff intermediate, O=s2n differential', inter.keys, root, { notBefore: past(400), notAfter: past(1) });
  cert('expired intermediate', 'validity', [good, expiredInter]);
  const expiredRoot = await ca('CN=s2n diff expired root, O=s2n differential', await keys('ec', 'expired-root'), undefined, { notBefore: past(400), notAfter: past(1) });
  const underExpired = await ca('CN=s2n diff under expired, O=s2n differential', await keys('ec', 'under-expired'), expiredRoot);
  cert('expired trust anchor', 'validity: the anchor included', [await leaf([HOST], ec, underExpired), underExpired], [expiredRoot]);
  cert('expiring in 5 days', 'validity (still connects)', [await leaf([HOST], ec, inter, { notAfter: future(5) }), inter]);

  // --- names ----------------------------------------------------------------------------------------------------
  cert('SAN does not cover the name', 'names', [await leaf(['other.s2n.test'], ec, inter), inter]);
  cert('wildcard one label', 'names: *. wildcard', [await leaf([`*.s2n.test`], ec, inter), inter]);
  cert('wildcard two labels', 'names: one label only', [await leaf([`*.test`], ec, inter), inter], [root], { sni: `a.${HOST}` });
  cert('upper-case SAN', 'names: case-insensitive', [await leaf([HOST.toUpperCase()], ec, inter), inter]);
  cert('CN only, no SAN', 'names: CN used without SAN', [await leaf([HOST], ec, inter, { san: [] }), inter]);
  cert('CN matches, DNS SAN does not', 'names: any DNS SAN excludes the CN', [await leaf(['other.s2n.test'], ec, inter, { subject: `CN=${HOST}` }), inter]);
  cert('CN matches, only an IP SAN', 'names: an IP SAN excludes the CN', [await leaf([], ec, inter, { subject: `CN=${HOST}`, san: [{ type: 'ip', value: '192.0.2.7' }] }), inter]);
  cert('URI SAN equal to the host', 'names: URI SANs count as names', [await leaf([], ec, inter, { subject: 'CN=uri', san: [{ type: 'url', value: HOST }] }), inter]);
  cert('CN matches, only an e-mail SAN', 'names: e-mail SANs do not count', [await leaf([], ec, inter, { subject: `CN=${HOST}`, san: [{ type: 'email', value: 'ops@s2n.test' }] }), inter]);
  cert('empty subject, SAN matches', 'unusual: empty subject', [await leaf([HOST], ec, inter, { subject: '' }), inter]);
  cert('no CN, no SAN', 'names: nothing to match', [await leaf([], ec, inter, { subject: 'O=no name' }), inter]);
  cert('no CN, SAN matches', 'unusual: no CN', [await leaf([HOST], ec, inter, { subject: 'O=no common name' }), inter]);
  cert('non-ASCII subject, SAN matches', 'unusual: non-ASCII names', [await leaf([HOST], ec, inter, { subject: 'CN=café.s2n.test, O=Ünïcødé' }), inter]);
  cert('1000 SANs, the name last', 'unusual: thousands of SANs', [await leaf([...manyNames(1000).slice(1), HOST], ec, inter), inter]);
  cert('SNI with a trailing dot', 'names: SNI compared as sent', [good, inter], [root], { sni: `${HOST}.` });

  // --- extensions and RFC 5280 rules ------------------------------------------------------------------------------
  cert('unknown critical extension on the leaf', 'unknown critical extension fails', [await leaf([HOST], ec, inter, { extra: [unknownExtension(true)] }), inter]);
  cert('unknown non-critical extension', 'unusual: unknown extensions', [await leaf([HOST], ec, inter, { extra: [unknownExtension(false)] }), inter]);
  const critInter = await ca('CN=s2n diff crit intermediate, O=s2n differential', await keys('ec', 'crit-inter'), root, { extra: [unknownExtension(true)] });
  cert('unknown critical extension on the intermediate', 'unknown critical extension fails', [await leaf([HOST], ec, critInter), critInter]);
  const critRoot = await ca('CN=s2n diff crit root, O=s2n differential', await keys('ec', 'crit-root'), undefined, { extra: [unknownExtension(true)] });
  cert('unknown critical extension on the anchor', 'unknown critical extension (anchor)', [await leaf([HOST], ec, critRoot)], [critRoot]);
  const noBcInter = await ca('CN=s2n diff no-bc intermediate, O=s2n differential', await keys('ec', 'nobc'), root, { ca: 'none' });
  cert('intermediate without basicConstraints', 'issuers must be CAs', [await leaf([HOST], ec, noBcInter), noBcInter]);
  const notCaInter = await ca('CN=s2n diff not-ca intermediate, O=s2n differential', await keys('ec', 'notca'), root, { ca: false });
  cert('intermediate with CA:FALSE', 'issuers must be CAs', [await leaf([HOST], ec, notCaInter), notCaInter]);
  const noSignInter = await ca('CN=s2n diff no-certsign intermediate, O=s2n differential', await keys('ec', 'nosign'), root, { keyUsage: KU.digitalSignature });
  cert('intermediate keyUsage without keyCertSign', 'keyUsage keyCertSign', [await leaf([HOST], ec, noSignInter), noSignInter]);
  const kuOnlyRoot = await ca('CN=s2n diff ku-only root, O=s2n differential', await keys('ec', 'kuroot'), undefined, { ca: 'none' });
  cert('anchor with keyCertSign but no basicConstraints', 'issuers must be CAs (anchor: check_ca 4)', [await leaf([HOST], ec, kuOnlyRoot)], [kuOnlyRoot]);
  const bareRoot = await ca('CN=s2n diff bare root, O=s2n differential', await keys('ec', 'bareroot'), undefined, { ca: 'none', keyUsage: 'none' });
  cert('anchor without basicConstraints or keyUsage', 'issuers must be CAs (anchor)', [await leaf([HOST], ec, bareRoot)], [bareRoot]);
  const pl0Root = await ca('CN=s2n diff pathlen0 root, O=s2n differential', await keys('ec', 'pl0'), undefined, { ca: { pathLen: 0 } });
  const pl0Inter = await ca('CN=s2n diff under pathlen0, O=s2n differential', await keys('ec', 'pl0i'), pl0Root);
  cert('pathLen 0 root, one intermediate', 'pathLenConstraint exceeded', [await leaf([HOST], ec, pl0Inter), pl0Inter], [pl0Root]);
  cert('pathLen 0 root, no intermediate', 'pathLenConstraint met', [await leaf([HOST], ec, pl0Root)], [pl0Root]);
  const pl0Mid = await ca('CN=s2n diff pathlen0 intermediate, O=s2n differential', await keys('ec', 'pl0m'), root, { ca: { pathLen: 0 } });
  const sub = await ca('CN=s2n diff sub intermediate, O=s2n differential', await keys('ec', 'sub'), pl0Mid);
  cert('pathLen 0 intermediate, one sub-intermediate', 'pathLenConstraint exceeded', [await leaf([HOST], ec, sub), sub, pl0Mid]);
  const pl1Root = await ca('CN=s2n diff pathlen1 root, O=s2n differential', await keys('ec', 'pl1'), undefined, { ca: { pathLen: 1 } });
  const pl1Inter = await ca('CN=s2n diff under pathlen1, O=s2n differential', await keys('ec', 'pl1i'), pl1Root);
  cert('pathLen 1 root, one intermediate', 'pathLenConstraint met', [await leaf([HOST], ec, pl1Inter), pl1Inter], [pl1Root]);
  const ncOk = await ca('CN=s2n diff nc permitted, O=s2n differential', await keys('ec', 'ncok'), root, { extra: [nameConstraints(['s2n.test'], [])] });
  cert('name constraints: permitted', 'name constraints (permitted)', [await leaf([HOST], ec, ncOk), ncOk]);
  const ncOther = await ca('CN=s2n diff nc other, O=s2n differential', await keys('ec', 'ncother'), root, { extra: [nameConstraints(['example.org'], [])] });
  cert('name constraints: not permitted', 'name constraints (permitted)', [await leaf([HOST], ec, ncOther), ncOther]);
  const ncEx = await ca('CN=s2n diff nc excluded, O=s2n differential', await keys('ec', 'ncex'), root, { extra: [nameConstraints([], ['s2n.test'])] });
  cert('name constraints: excluded', 'name constraints (excluded)', [await leaf([HOST], ec, ncEx), ncEx]);

  // --- intent -------------------------------------------------------------------------------------------------------
  cert('leaf EKU clientAuth only', 'intent: leaf EKU must allow serverAuth', [await leaf([HOST], ec, inter, { eku: [EKU.clientAuth] }), inter]);
  cert('leaf EKU anyExtendedKeyUsage only', 'intent: leaf EKU must allow serverAuth', [await leaf([HOST], ec, inter, { eku: [EKU.any] }), inter]);
  cert('leaf EKU serverAuth + clientAuth', 'intent', [await leaf([HOST], ec, inter, { eku: [EKU.clientAuth, EKU.serverAuth] }), inter]);
  cert('leaf without EKU or keyUsage', 'intent: none present is fine', [await leaf([HOST], ec, inter, { eku: 'none', keyUsage: 'none', ca: 'none' }), inter]);
  cert('leaf keyUsage keyCertSign only', 'intent: leaf keyUsage', [await leaf([HOST], ec, inter, { keyUsage: KU.keyCertSign }), inter]);
  cert('leaf keyUsage keyAgreement only', 'intent: leaf keyUsage (any of DS/KE/KA)', [await leaf([HOST], ec, inter, { keyUsage: KU.keyAgreement }), inter]);
  const emailInter = await ca('CN=s2n diff smime intermediate, O=s2n differential', await keys('ec', 'smime'), root, { eku: [EKU.emailProtection] });
  cert('intermediate EKU emailProtection', 'intent: intermediate EKU', [await leaf([HOST], ec, emailInter), emailInter]);
  const tlsInter = await ca('CN=s2n diff tls intermediate, O=s2n differential', await keys('ec', 'tlsinter'), root, { eku: [EKU.serverAuth, EKU.clientAuth] });
  cert('intermediate EKU serverAuth', 'intent: intermediate EKU', [await leaf([HOST], ec, tlsInter), tlsInter]);
  const clientRoot = await ca('CN=s2n diff client root, O=s2n differential', await keys('ec', 'clientroot'), undefined, { eku: [EKU.clientAuth] });
  cert('anchor EKU clientAuth', 'intent: the anchor is not checked', [await leaf([HOST], ec, clientRoot)], [clientRoot]);
  cert('leaf that is a CA', 'intent: a CA leaf with serverAuth', [await leaf([HOST], ec, inter, { ca: true, keyUsage: KU.digitalSignature | KU.keyCertSign }), inter]);

  // --- keys and signatures --------------------------------------------------------------------------------------------
  cert('RSA 1024 leaf', 'no certificate preferences: any key size', [await leaf([HOST], rsa1024, inter), inter]);
  cert('SHA-1-signed leaf', 'no certificate preferences: any signature hash', [await leaf([HOST], ec, inter, { hash: 'SHA-1' }), inter], [root], {}, { tls: { ciphers: 'DEFAULT:@SECLEVEL=0' } });

  // --- versions, suites, groups, HelloRetryRequest --------------------------------------------------------------------
  const tlsCase = (name: string, rule: string, tls: Partial<TlsOptions>, more: Partial<Variant> = {}, chain: Issued[] = [rsaLeaf, inter]) =>
    add({ name, rule, server: { chain, tls }, anchors: [root], ...more });
  tlsCase('TLS 1.2 ECDHE-RSA', 'suites', { ...TLS12, ciphers: 'ECDHE-RSA-AES128-GCM-SHA256' });
  tlsCase('TLS 1.2 ECDHE-ECDSA-AES256-SHA384', 'suites', { ...TLS12, ciphers: 'ECDHE-ECDSA-AES256-SHA384' }, {}, [good, inter]);
  tlsCase('static RSA AES128-GCM-SHA256 (not in AWS docs)', 'suites: s2n-only', { ...TLS12, ciphers: 'AES128-GCM-SHA256' });
  tlsCase('static RSA AES256-GCM-SHA384 (not in AWS docs)', 'suites: s2n-only', { ...TLS12, ciphers: 'AES256-GCM-SHA384' });
  tlsCase('static RSA AES128-SHA256 (not in AWS docs)', 'suites: s2n-only', { ...TLS12, ciphers: 'AES128-SHA256' });
  tlsCase('static RSA AES128-SHA', 'suites', { ...TLS12, ciphers: 'AES128-SHA' });
  tlsCase('ChaCha20 below TLS 1.3', 'suites: not offered', { ...TLS12, ciphers: 'ECDHE-RSA-CHACHA20-POLY1305' });
  tlsCase('DHE only', 'suites: not offered', { ...TLS12, ciphers: 'DHE-RSA-AES128-GCM-SHA256', dhparam: 'auto' as unknown as Buffer });
  tlsCase('TLS 1.2 ECDHE on P-384 only', 'groups', { ...TLS12, ciphers: 'ECDHE-RSA-AES128-GCM-SHA256', ecdhCurve: 'P-384' });
  tlsCase('TLS 1.2 ECDHE on P-521 only', 'groups: not offered', { ...TLS12, ciphers: 'ECDHE-RSA-AES128-GCM-SHA256', ecdhCurve: 'P-521' });
  tlsCase('TLS 1.3 only', 'TLS 1.3-only server', TLS13, {}, [good, inter]);
  tlsCase('TLS 1.3 ChaCha20 only', 'TLS 1.3 suites', { ...TLS13, ciphers: 'TLS_CHACHA20_POLY1305_SHA256' }, {}, [good, inter]);
  tlsCase('TLS 1.3 AES-256 only', 'TLS 1.3 suites', { ...TLS13, ciphers: 'TLS_AES_256_GCM_SHA384' }, {}, [good, inter]);
  tlsCase('TLS 1.3 X25519 only (HelloRetryRequest)', 'HelloRetryRequest', { ...TLS13, ecdhCurve: 'X25519' }, {}, [good, inter]);
  tlsCase('TLS 1.3 P-384 only (HelloRetryRequest)', 'HelloRetryRequest', { ...TLS13, ecdhCurve: 'P-384' }, {}, [good, inter]);
  tlsCase('TLS 1.3 P-521 only', 'groups: not offered', { ...TLS13, ecdhCurve: 'P-521' }, {}, [good, inter]);
  tlsCase('TLS 1.3 RSA certificate', 'TLS 1.3 needs RSA-PSS', TLS13);
  tlsCase('TLS 1.1 only, origin allows TLSv1.2', 'versions', LEGACY_TLS('TLSv1.1', 'ECDHE-RSA-AES128-SHA'));
  tlsCase('TLS 1.1 only, origin allows TLSv1.1-1.2', 'versions', LEGACY_TLS('TLSv1.1', 'ECDHE-RSA-AES128-SHA'), { protocols: 'TLSv1.1,TLSv1.2' });
  tlsCase('TLS 1.0 only, OriginSslProtocols with a gap (SSLv3,TLSv1.2)', 'OriginSslProtocols gaps: the lowest picks the policy', LEGACY_TLS('TLSv1', 'ECDHE-RSA-AES128-SHA'), { protocols: 'SSLv3,TLSv1.2' });
  tlsCase('TLS 1.1 only, OriginSslProtocols TLSv1 alone', 'versions: policy range', LEGACY_TLS('TLSv1.1', 'ECDHE-RSA-AES128-SHA'), { protocols: 'TLSv1' });
  tlsCase('client certificate required', 'handshake', { ...TLS12, requestCert: true, rejectUnauthorized: true, ca: [root.pem] });
  tlsCase('legacy: TLS 1.3 only', 'legacy family: no TLS 1.3', TLS13, { family: 'legacy' }, [good, inter]);
  tlsCase('legacy: TLS 1.2 RSA', 'legacy family', { ...TLS12, ciphers: 'ECDHE-RSA-AES256-GCM-SHA384' }, { family: 'legacy' });
  tlsCase('legacy: RSA-PSS signatures only', 'legacy family: no RSA-PSS', { ...TLS12, sigalgs: 'rsa_pss_rsae_sha256:rsa_pss_rsae_sha384' }, { family: 'legacy' });
  tlsCase('2025: RSA-PSS signatures only', '2025 family: RSA-PSS', { ...TLS12, sigalgs: 'rsa_pss_rsae_sha256:rsa_pss_rsae_sha384' });
  tlsCase('legacy: static RSA AES128-GCM-SHA256', 'legacy family: s2n-only suites', { ...TLS12, ciphers: 'AES128-GCM-SHA256' }, { family: 'legacy' });
  return v;
}
