import { applyResolve, parseResolve, parseResolveFile, singleOriginTarget } from '../../lambda/inventory/single-origin';

describe('--resolve entries', () => {
  const a = singleOriginTarget({ origin: 'a.test:8443', sni: [] });
  const b = singleOriginTarget({ origin: 'B.test', sni: [] });

  it('applies the first entry whose host and one of whose ports match (host case-insensitive)', () => {
    const entries = [parseResolve('a.test:8443:192.0.2.2'), parseResolve('a.test:*:192.0.2.3'), parseResolve('b.test:*:192.0.2.4,[2001:db8::1]')];
    const [ra, rb] = applyResolve([a, b], entries);
    expect(ra.resolveOverride).toEqual(['192.0.2.2']);
    expect(rb.resolveOverride).toEqual(['192.0.2.4', '2001:db8::1']);
    expect(() => applyResolve([a], [parseResolve('a.test:443:192.0.2.9')])).toThrow('matches no origin of the scan');
  });

  it('stays linear over thousands of entries and targets', () => {
    const targets = Array.from({ length: 5000 }, (_, i) => singleOriginTarget({ origin: `o${i}.test`, sni: [] }));
    const text = targets.map((t, i) => `${t.domainName}:443:10.0.${i >> 8}.${i & 255}`).join('\n');
    const out = applyResolve(targets, parseResolveFile(text, 'r.txt'));
    expect(out[4999].resolveOverride).toEqual(['10.0.19.135']);
    expect(out.every((t) => t.resolveOverride?.length === 1)).toBe(true);
  });

  it('reads a file of entries, skipping blank lines and comments, naming the line of a bad one', () => {
    expect(parseResolveFile('# c\n\n a.test:443:192.0.2.1  # primary\r\nb.test:*:192.0.2.2\n', 'f').map(({ host, port, addresses }) => ({ host, port, addresses }))).toEqual([
      { host: 'a.test', port: 443, addresses: ['192.0.2.1'] },
      { host: 'b.test', port: '*', addresses: ['192.0.2.2'] },
    ]);
    expect(() => parseResolveFile('a.test:443:192.0.2.1\na.test:443:nowhere\n', 'list.txt')).toThrow(/^list\.txt line 2: .*nowhere.* is not an IP address/);
  });
});
