import { generateKeyShare, KEY_REUSE_HELLOS, KEY_REUSE_MS, reusableKeyShare } from '../../lambda/probe/tls13-keys';

describe('reusableKeyShare', () => {
  it('serves one key pair for at most KEY_REUSE_HELLOS hellos and KEY_REUSE_MS, then a fresh one', () => {
    const t0 = 1_000_000_000_000;
    const first = reusableKeyShare(29, t0)!;
    for (let i = 1; i < KEY_REUSE_HELLOS; i++) expect(reusableKeyShare(29, t0 + 1)).toBe(first);
    const second = reusableKeyShare(29, t0 + 2)!;
    expect(second.publicKey.equals(first.publicKey)).toBe(false);
    expect(reusableKeyShare(29, t0 + 2 + KEY_REUSE_MS)).not.toBe(second);
  });

  it('computes each connection its own secret from the server share, as a fresh pair does', () => {
    const ours = reusableKeyShare(29)!;
    const [a, b] = [generateKeyShare(29)!, generateKeyShare(29)!];
    expect(ours.computeSecret(a.publicKey).equals(a.computeSecret(ours.publicKey))).toBe(true);
    expect(ours.computeSecret(b.publicKey).equals(ours.computeSecret(a.publicKey))).toBe(false);
    expect(() => ours.computeSecret(Buffer.alloc(31))).toThrow('31 bytes');
  });

  it('has none for a group it cannot compute', () => {
    expect(reusableKeyShare(0x0100)).toBeUndefined();
  });
});
