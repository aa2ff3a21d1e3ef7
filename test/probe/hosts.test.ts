/** The hosts file and nsswitch.conf, read as glibc's getaddrinfo reads them. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultHostsFile, hostsOrder, loadHosts, parseHosts } from '../../lambda/probe/hosts';
import { probeDns, type Resolver } from '../../lambda/probe/dns';

const HOSTS = [
  '# comment line',
  '127.0.0.1\tlocalhost',
  '::1     localhost ip6-localhost',
  '10.0.0.5  New-Origin.Example.COM.  alias.example.com   # before the DNS cut-over',
  '10.0.0.6  new-origin.example.com',
  '10.0.0.5  new-origin.example.com',
  'fe80::1%eth0 link.example.com',
  'not-an-address  broken.example.com',
  '10.0.0.9',
].join('\n');

it('reads hosts(5): every line naming a name, in file order, case-insensitive, comments and junk ignored', () => {
  const table = parseHosts(HOSTS);
  expect(table.get('new-origin.example.com')).toEqual(['10.0.0.5', '10.0.0.6']);
  expect(table.get('alias.example.com')).toEqual(['10.0.0.5']);
  expect(table.get('localhost')).toEqual(['127.0.0.1', '::1']);
  expect(table.get('link.example.com')).toEqual(['fe80::1%eth0']);
  expect(table.has('broken.example.com')).toBe(false);
});

it('takes the order from the hosts: line of nsswitch.conf', () => {
  expect(hostsOrder('passwd: files\nhosts:          files dns\n')).toBe('files-first');
  expect(hostsOrder('hosts: files mdns4_minimal [NOTFOUND=return] dns myhostname')).toBe('files-first');
  expect(hostsOrder('hosts: mymachines resolve [!UNAVAIL=return] files myhostname dns')).toBe('files-first');
  expect(hostsOrder('hosts: dns [!UNAVAIL=return] files')).toBe('dns-first');
  expect(hostsOrder('hosts: dns')).toBeUndefined();
  expect(hostsOrder('# hosts: dns\npasswd: files')).toBe('files-first');
  expect(hostsOrder(undefined)).toBe('files-first'); // musl, macOS, Windows: no nsswitch.conf
  expect(defaultHostsFile('win32', { SystemRoot: 'C:\\Windows' })).toMatch(/System32.drivers.etc.hosts$/);
});

describe('probeDns with a hosts file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cfom-hosts-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const file = (name: string, text: string) => {
    writeFileSync(join(dir, name), text);
    return join(dir, name);
  };
  const asked: string[] = [];
  const dns: Resolver = {
    resolve4: async (n) => {
      asked.push(n);
      if (n === 'public.example.com') return ['203.0.113.7'];
      throw Object.assign(new Error('ENOTFOUND'), { code: 'ENOTFOUND' });
    },
    resolve6: async (n) => {
      asked.push(n);
      throw Object.assign(new Error('ENOTFOUND'), { code: 'ENOTFOUND' });
    },
  };

  it('files first: a listed name gets only its hosts-file addresses, and DNS is not asked', async () => {
    const hosts = loadHosts({ hostsFile: file('hosts', HOSTS), nsswitchFile: file('ns', 'hosts: files dns\n') })!;
    asked.length = 0;
    expect(await probeDns('NEW-origin.example.com', dns, { hosts })).toMatchObject({
      status: 'hosts-file',
      hostsFile: join(dir, 'hosts'),
      addresses: [{ address: '10.0.0.5', family: 4 }, { address: '10.0.0.6', family: 4 }],
    });
    expect(asked).toEqual([]);
    expect(await probeDns('public.example.com', dns, { hosts })).toMatchObject({ status: 'ok', addresses: [{ address: '203.0.113.7' }] });
  });

  it('dns first: the hosts file only answers what DNS does not have', async () => {
    const hosts = loadHosts({ hostsFile: file('hosts2', `${HOSTS}\n10.9.9.9 public.example.com\n`), nsswitchFile: file('ns2', 'hosts: dns files\n') })!;
    expect((await probeDns('public.example.com', dns, { hosts })).status).toBe('ok');
    expect((await probeDns('new-origin.example.com', dns, { hosts })).status).toBe('hosts-file');
  });

  it('no files source: the hosts file is not read; a missing default file is no hosts file', () => {
    expect(loadHosts({ hostsFile: file('hosts3', HOSTS), nsswitchFile: file('ns3', 'hosts: dns\n') })).toBeUndefined();
    expect(loadHosts({ nsswitchFile: join(dir, 'absent') })?.order ?? 'files-first').toBe('files-first');
    expect(() => loadHosts({ hostsFile: join(dir, 'absent-hosts'), nsswitchFile: file('ns4', 'hosts: files dns') })).toThrow(/absent-hosts: cannot read the file \(ENOENT\)/);
  });
});
