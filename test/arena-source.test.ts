import { Duration, Testing } from 'cdk8s';
import { ArenaSource, ArenaSourceProps, Provider, ProviderProps, ProviderType } from '../src';
import { validateManifest } from '../src/api';

function synthSource(props: ArenaSourceProps): any {
  const chart = Testing.chart();
  new ArenaSource(chart, 'source', props);
  return Testing.synth(chart)[0];
}

function synthProvider(props: ProviderProps): any {
  const chart = Testing.chart();
  new Provider(chart, 'provider', props);
  return Testing.synth(chart)[0];
}

describe('ArenaSource', () => {
  test('configmap, git and oci render in upstream form and pass the CRD', () => {
    const cm = synthSource({ metadata: { name: 'pack' }, configMap: { name: 'bundle', key: 'bundle.json' } });
    expect(cm).toMatchObject({ apiVersion: 'omnia.altairalabs.ai/v1alpha1', kind: 'ArenaSource' });
    expect(cm.spec).toEqual({ type: 'configmap', configMap: { name: 'bundle', key: 'bundle.json' }, interval: '5m' });
    const git = synthSource({ git: { url: 'https://github.com/example/scenarios', tag: 'v1', path: 'arena', secretName: 'git-creds' }, interval: Duration.minutes(10) });
    expect(git.spec).toEqual({ type: 'git', git: { url: 'https://github.com/example/scenarios', ref: { tag: 'v1' }, path: 'arena', secretRef: { name: 'git-creds' } }, interval: '10m' });
    const oci = synthSource({ oci: { url: 'oci://ghcr.io/example/pack:1' }, suspend: true });
    expect(oci.spec).toEqual({ type: 'oci', oci: { url: 'oci://ghcr.io/example/pack:1' }, interval: '5m', suspend: true });
    for (const o of [cm, git, oci]) expect(validateManifest(o)).toEqual([]);
  });

  test.each([
    [{}, 'ArenaSource needs exactly one of \'configMap\', \'git\' and \'oci\' (given: none): name where the scenario bundle is'],
    [{ configMap: { name: 'a' }, oci: { url: 'oci://x/y' } }, 'ArenaSource needs exactly one of \'configMap\', \'git\' and \'oci\' (given: \'configMap\', \'oci\'): name where the scenario bundle is'],
    [{ configMap: { name: 'a' }, interval: Duration.seconds(0) }, '\'interval\' (0 seconds) must be longer than zero'],
  ])('refuses %p', (props, message) => {
    expect(() => synthSource(props as ArenaSourceProps)).toThrow(message);
  });

  test('a git URL the CRD refuses fails at synth', () => {
    expect(() => synthSource({ git: { url: 'git@github.com:example/x.git' } })).toThrow(/spec\.git\.url/);
  });
});

describe('Provider', () => {
  test('renders type, model, baseURL and the Secret reference, and passes the CRD', () => {
    const p = synthProvider({ metadata: { name: 'claude' }, type: ProviderType.CLAUDE, model: 'claude-sonnet-4-20250514', baseUrl: 'https://api.example', secretName: 'anthropic', secretKey: 'key' });
    expect(p.spec).toEqual({ type: 'claude', model: 'claude-sonnet-4-20250514', baseURL: 'https://api.example', secretRef: { name: 'anthropic', key: 'key' } });
    expect(validateManifest(p)).toEqual([]);
  });

  test('secretKey without secretName is refused', () => {
    expect(() => synthProvider({ type: ProviderType.OPENAI, secretKey: 'k' })).toThrow('\'secretKey\' (\'k\') needs \'secretName\': name the Secret that holds the key');
  });
});
