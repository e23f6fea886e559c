import { checkedRecord, NODE_DIR_PREFIX, newRules, splitRule } from './node-host-state';

// The pure parts of putting the host back after the node tier: which iptables lines are the
// stack's new ones, how a line becomes arguments, and which records a recovery may act on.

describe('newRules', () => {
  const before = ['-P PREROUTING ACCEPT', '-N DOCKER', '-A PREROUTING -j DOCKER'];

  test('the stack\'s new rules and chains; someone else\'s new rule is left alone', () => {
    const after = [...before,
      '-N KUBE-KUBELET-CANARY',
      '-N CNI-0123abcd',
      '-A POSTROUTING -s 10.244.0.5/32 -m comment --comment "name: \\"kubejobs\\" id: \\"abc\\"" -j CNI-0123abcd',
      '-A PREROUTING -d 10.0.0.1/32 -i kjbr0 -p tcp -m tcp --dport 443 -j DNAT --to-destination 127.0.0.1:6443',
      '-A OUTPUT -d 192.168.1.10/32 -p tcp -m tcp --dport 10250 -j DNAT --to-destination 127.0.0.1:10250',
      '-A FORWARD -o docker0 -j ACCEPT'];
    expect(newRules(before, after)).toEqual({
      rules: [after[5], after[6], after[7]],
      chains: ['-N KUBE-KUBELET-CANARY', '-N CNI-0123abcd'],
    });
  });

  test('a second copy of a rule that was there before counts as new', () => {
    const rule = '-A PREROUTING -d 10.0.0.1/32 -i kjbr0 -p tcp -m tcp --dport 443 -j DNAT --to-destination 127.0.0.1:6443';
    expect(newRules([...before, rule], [...before, rule, rule]).rules).toEqual([rule]);
    expect(newRules([...before, rule], [...before, rule]).rules).toEqual([]);
  });
});

describe('splitRule', () => {
  test('keeps a quoted comment whole, with its escaped quotes', () => {
    expect(splitRule('-D POSTROUTING -m comment --comment "name: \\"kubejobs\\" id: \\"a b\\"" -j CNI-1'))
      .toEqual(['-D', 'POSTROUTING', '-m', 'comment', '--comment', 'name: "kubejobs" id: "a b"', '-j', 'CNI-1']);
  });
});

describe('checkedRecord', () => {
  const tables = Object.fromEntries(['iptables', 'ip6tables'].flatMap((c) => ['nat', 'filter', 'mangle'].map((t) => [`${c}/${t}`, ['-P INPUT ACCEPT']])));
  const good = {
    dir: `${NODE_DIR_PREFIX}Ab12Cd`,
    sysctls: { 'kernel/panic': '0', 'net/ipv4/ip_forward': '0' },
    preexistingPaths: ['/var/lib/cni'],
    cgroups: ['/sys/fs/cgroup/memory/kubepods'],
    iptables: tables,
  };

  test('a record as a node tier writes it is accepted', () => {
    expect(checkedRecord(good)).toEqual(good);
  });

  test.each([
    ['a directory that is not a node tier\'s', { dir: '/' }, 'is not a node tier directory'],
    ['an empty directory', { dir: '' }, 'is not a node tier directory'],
    ['a directory with a path in its name', { dir: `${NODE_DIR_PREFIX}../../etc` }, 'is not a node tier directory'],
    ['a sysctl path outside the recorded ones', { sysctls: { '../../../etc/passwd': '0' } }, 'is not one the node tier records'],
    ['a sysctl value that is not an integer', { sysctls: { 'kernel/panic': 'x\n' } }, 'is not an integer'],
    ['a host path that is not one of the fixed ones', { preexistingPaths: ['/etc'] }, 'bad preexistingPaths'],
    ['a cgroup that is not kubepods', { cgroups: ['/sys/fs/cgroup/memory/user.slice'] }, 'bad cgroups'],
    ['tables that were not read (every rule would look new)', { iptables: {} }, 'iptables nat rules missing'],
  ])('refuses %s', (_what, change, message) => {
    expect(() => checkedRecord({ ...good, ...change })).toThrow(message);
  });
});
