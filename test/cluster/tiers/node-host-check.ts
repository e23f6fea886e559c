import { NodeTier } from './node-tier';

/**
 * Registers an `afterAll` that checks the node tier put the host back as it found it: kernel
 * settings, the stack's iptables and ip6tables rules and chains, `kubepods` cgroups, its
 * directory, mounts, bridge and record. Call it after `useNodeTier()`, so it runs once the tier
 * has stopped; it compares what stop() read before it released the node tier lock (another node
 * tier may have started since).
 */
export function expectHostPutBackAfterAll(tier: () => { readonly node: NodeTier }): void {
  let node: NodeTier | undefined;
  beforeAll(() => {
    node = tier().node;
  });
  afterAll(() => {
    if (node === undefined) return;
    expect(node.hostAfterStop()).toEqual({
      sysctls: node.hostBefore.sysctls,
      leftRules: [],
      cgroups: node.hostBefore.cgroups,
      recordFileExists: false,
      dirExists: false,
      bridgeExists: false,
      mountsUnderDir: [],
    });
  });
}
