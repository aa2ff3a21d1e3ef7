/**
 * @peculiar/x509 v2 resolves its algorithms through tsyringe, which refuses to load without a Reflect metadata
 * polyfill. `reflect-metadata` is not a dependency here, and tsyringe only needs these three functions, so this is
 * the smallest polyfill that satisfies it. Import it before @peculiar/x509.
 */
type Target = object;
const store = new WeakMap<Target, Map<unknown, unknown>>();

const R = Reflect as unknown as Record<string, unknown>;
if (typeof R.getMetadata !== 'function') {
  const own = (key: unknown, target: Target) => store.get(target)?.get(key);
  R.defineMetadata = (key: unknown, value: unknown, target: Target) => {
    const map = store.get(target) ?? new Map<unknown, unknown>();
    map.set(key, value);
    store.set(target, map);
  };
  R.getOwnMetadata = own;
  R.getMetadata = (key: unknown, target: Target): unknown => {
    for (let t: Target | null = target; t; t = Object.getPrototypeOf(t) as Target | null) {
      const value = own(key, t);
      if (value !== undefined) return value;
    }
    return undefined;
  };
}

export {};
