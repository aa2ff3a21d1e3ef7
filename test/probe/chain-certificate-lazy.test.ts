/**
 * lambda/probe/chain/certificate.ts loads @peculiar/asn1-* at the first certificate parsed (start-up, README
 * "Speed"), so the extension OIDs and KeyUsage bits it needs before then are its own copies: held equal to the
 * library's here, so that they cannot drift from what the parser returns.
 */
import * as asn1x509 from '@peculiar/asn1-x509';
import { KeyUsageFlags, OID, SUPPORTED_CRITICAL_EXTENSIONS } from '../../lambda/probe/chain/certificate';

it('the extension OIDs are the library\'s id_ce_* values', () => {
  expect(OID).toEqual({
    keyUsage: asn1x509.id_ce_keyUsage,
    subjectAltName: asn1x509.id_ce_subjectAltName,
    basicConstraints: asn1x509.id_ce_basicConstraints,
    nameConstraints: asn1x509.id_ce_nameConstraints,
    extKeyUsage: asn1x509.id_ce_extKeyUsage,
  });
  for (const id of Object.values(OID)) expect(SUPPORTED_CRITICAL_EXTENSIONS.has(id)).toBe(true);
});

it('the KeyUsage bits are the library\'s KeyUsageFlags, name for name', () => {
  const library = Object.fromEntries(Object.entries(asn1x509.KeyUsageFlags).filter(([k]) => Number.isNaN(Number(k))));
  expect(KeyUsageFlags).toEqual(library);
  // And as KeyUsage.toNumber() reads a certificate's bits.
  const ku = new asn1x509.KeyUsage(asn1x509.KeyUsageFlags.keyCertSign | asn1x509.KeyUsageFlags.cRLSign);
  expect(ku.toNumber()).toBe(KeyUsageFlags.keyCertSign | KeyUsageFlags.cRLSign);
});
