/**
 * Certificate intent (tls/s2n_x509_validator.c:767-814): X509_check_purpose(X509_PURPOSE_SSL_SERVER) on every
 * certificate of the validated path except the trust anchor (:802-806), the leaf as an end entity, the others as
 * CAs. OpenSSL's check_purpose_ssl_server (crypto/x509/v3_purp.c):
 *  - extendedKeyUsage, when present, must hold serverAuth (or Netscape/Microsoft SGC); anyExtendedKeyUsage is not enough;
 *  - for the leaf: a Netscape cert type, when present, must allow an SSL server; keyUsage, when present, must hold
 *    digitalSignature, keyEncipherment or keyAgreement;
 *  - for a CA: check_ca, and a Netscape-only CA must be an SSL CA.
 * No extendedKeyUsage and no keyUsage at all is fine.
 */
import { EKU, KeyUsageFlags, nsAllowsServer, nsAllowsSslCa, checkCa, type ParsedCertificate } from './certificate';
import type { CertPath } from './path';

export interface IntentViolation {
  cert: ParsedCertificate;
  depth: number;
  extension: 'extendedKeyUsage' | 'keyUsage' | 'nsCertType';
  detail: string;
  evidence: Record<string, unknown>;
}

const SERVER_EKUS: readonly string[] = [EKU.serverAuth, EKU.nsSGC, EKU.msSGC];
const SERVER_KU = KeyUsageFlags.digitalSignature | KeyUsageFlags.keyEncipherment | KeyUsageFlags.keyAgreement;

const EKU_NAMES: Record<string, string> = {
  '1.3.6.1.5.5.7.3.1': 'serverAuth',
  '1.3.6.1.5.5.7.3.2': 'clientAuth',
  '1.3.6.1.5.5.7.3.3': 'codeSigning',
  '1.3.6.1.5.5.7.3.4': 'emailProtection',
  '1.3.6.1.5.5.7.3.8': 'timeStamping',
  '1.3.6.1.5.5.7.3.9': 'OCSPSigning',
  '2.5.29.37.0': 'anyExtendedKeyUsage',
};
const ekuName = (oid: string) => EKU_NAMES[oid] ?? oid;

export function intentViolations(path: CertPath): IntentViolation[] {
  const checked = path.anchor ? path.certs.slice(0, -1) : path.certs;
  return checked.flatMap((cert, depth): IntentViolation[] => {
    const eku = cert.extendedKeyUsage;
    if (eku && !eku.some((p) => SERVER_EKUS.includes(p))) {
      return [{ cert, depth, extension: 'extendedKeyUsage', detail: `its extendedKeyUsage (${eku.map(ekuName).join(', ') || 'empty'}) does not allow serverAuth`, evidence: { extendedKeyUsage: eku.map(ekuName) } }];
    }
    if (depth === 0) {
      if (!nsAllowsServer(cert)) {
        return [{ cert, depth, extension: 'nsCertType', detail: 'its Netscape cert type does not allow an SSL server', evidence: { nsCertType: cert.nsCertType } }];
      }
      if (cert.keyUsage !== undefined && (cert.keyUsage & SERVER_KU) === 0) {
        return [{ cert, depth, extension: 'keyUsage', detail: 'its keyUsage allows neither digitalSignature, keyEncipherment nor keyAgreement, so it cannot be used for any TLS key exchange', evidence: { keyUsage: cert.keyUsage } }];
      }
    } else if (checkCa(cert) === 5 && !nsAllowsSslCa(cert)) {
      return [{ cert, depth, extension: 'nsCertType', detail: 'its Netscape cert type does not make it an SSL CA', evidence: { nsCertType: cert.nsCertType } }];
    }
    return [];
  });
}
