import { edgeProbePath, matchesPathPattern } from '../../lambda/cloudfront/path-patterns';

describe('CloudFront path patterns', () => {
  it.each([
    ['*', '/anything/at/all', true],
    ['/images/*', '/images/a/b.png', true],
    ['/images/*', '/Images/a.png', false], // case-sensitive
    ['images/*', '/images/a.png', true], // no leading slash: matched as if it had one
    ['*.jpg', '/a/b/c.jpg', true],
    ['*.jpg', '/a/b/c.jpeg', false],
    ['/a?c/*', '/abc/x', true],
    ['/a?c/*', '/ac/x', false],
    ['/api/v1.0/*', '/api/v1x0/x', false], // a dot is a dot
  ])('%s matches %s: %s', (pattern, path, expected) => {
    expect(matchesPathPattern(pattern, path)).toBe(expected);
  });
});

describe('the path the edge check sends for a behavior', () => {
  it('matches the behavior, carries the run token, and is taken by no behavior before it', () => {
    expect(edgeProbePath('*', [], 't1')).toBe('/cf-origin-monitor-t1');
    expect(edgeProbePath('/api/*', [], 't1')).toBe('/api/cf-origin-monitor-t1');
    expect(edgeProbePath('*.jpg', ['/api/*'], 't1')).toBe('/cf-origin-monitor-t1.jpg');
    expect(edgeProbePath('/a?c/*/x', [], 't1')).toBe('/axc/cf-origin-monitor-t1/x');
  });

  it('steps around an earlier behavior that would take the first candidate', () => {
    // The default behavior after `*.probe`-style and prefix behaviors still gets a path of its own.
    const path = edgeProbePath('*', ['/cf-origin-monitor-*'], 't1');
    expect(path).toBeUndefined();
    expect(edgeProbePath('/api/*', ['/api/cf-origin-monitor-t1'], 't1')).toBe('/api/cf-origin-monitor-t1/probe');
    expect(edgeProbePath('*', ['*.html', '/*/probe'], 't1')).toBe('/cf-origin-monitor-t1');
  });

  it('a pattern without wildcards is one path: made unique with a query string', () => {
    expect(edgeProbePath('/health', [], 't1')).toBe('/health?cf-origin-monitor=t1');
    expect(edgeProbePath('/health', ['/heal*'], 't1')).toBeUndefined();
  });
});
