import { ApiObject, Duration, Testing } from 'cdk8s';
import { Node } from 'constructs';
import { ArenaConfig, ArenaConfigProps } from '../src';
import { validateManifest } from '../src/api';

function synth(props: ArenaConfigProps): any {
  const chart = Testing.chart();
  new ArenaConfig(chart, 'config', props);
  return Testing.synth(chart)[0];
}

describe('ArenaConfig', () => {
  test('defaultChild is the ArenaConfig API object', () => {
    const config = new ArenaConfig(Testing.chart(), 'config', { sourceName: 'pack' });
    expect((Node.of(config).defaultChild as ApiObject).kind).toEqual('ArenaConfig');
  });

  test('renders every field in upstream form', () => {
    const config = synth({
      metadata: { name: 'cfg' },
      sourceName: 'pack',
      scenarios: { include: ['scenarios/*.yaml'], exclude: ['*-wip.yaml'] },
      providers: [{ name: 'claude' }, { name: 'openai', namespace: 'shared' }],
      toolRegistries: [{ name: 'tools' }],
      selfPlay: { rounds: 3, swapRoles: true },
      evaluation: { metrics: ['accuracy'], timeout: Duration.minutes(10), maxRetries: 0, concurrency: 8 },
      suspend: false,
    });
    expect(config.spec).toEqual({
      sourceRef: { name: 'pack' },
      scenarios: { include: ['scenarios/*.yaml'], exclude: ['*-wip.yaml'] },
      providers: [{ name: 'claude' }, { name: 'openai', namespace: 'shared' }],
      toolRegistries: [{ name: 'tools' }],
      selfPlay: { enabled: true, rounds: 3, swapRoles: true },
      evaluation: { metrics: ['accuracy'], timeout: '10m', maxRetries: 0, concurrency: 8 },
      suspend: false,
    });
    expect(validateManifest(config)).toEqual([]);
  });

  test('snapshot', () => {
    const chart = Testing.chart();
    new ArenaConfig(chart, 'config', { sourceName: 'pack', providers: [{ name: 'mock' }] });
    expect(Testing.synth(chart)).toMatchSnapshot();
  });
});

describe('ArenaConfig bad props', () => {
  const at = (props: Partial<ArenaConfigProps>) => () => new ArenaConfig(Testing.chart(), 'c', { sourceName: 'pack', ...props });
  test.each<[string, () => void, string]>([
    ['empty source', at({ sourceName: '' }), '\'sourceName\' is empty: name the ArenaSource that provides the scenario bundle'],
    ['empty providers', at({ providers: [] }), '\'providers\' is empty: list at least one provider, or leave \'providers\' unset'],
    ['too many retries', at({ evaluation: { maxRetries: 11 } }), '\'evaluation.maxRetries\' (11) must be an integer from 0 to 10'],
    ['zero concurrency', at({ evaluation: { concurrency: 0 } }), '\'evaluation.concurrency\' (0) must be an integer from 1 to 100'],
    ['zero rounds', at({ selfPlay: { rounds: 0 } }), '\'selfPlay.rounds\' (0) must be a positive integer'],
    ['fractional concurrency', at({ evaluation: { concurrency: 2.5 } }), '\'evaluation.concurrency\' (2.5) must be an integer from 1 to 100'],
    ['zero timeout', at({ evaluation: { timeout: Duration.seconds(0) } }), '\'evaluation.timeout\' (0 seconds) must be longer than zero'],
    ['provider without a name', at({ providers: [{ name: '' }] }), '\'providers[0].name\' is empty: name the object to reference'],
    ['provider in an invalid namespace', at({ providers: [{ name: 'claude', namespace: 'Shared_NS' }] }),
      '\'providers[0].namespace\' (\'Shared_NS\') must be a DNS-1123 label, or be left unset for the ArenaConfig\'s namespace'],
    ['tool registry without a name', at({ toolRegistries: [{ name: ' ' }] }), '\'toolRegistries[0].name\' is empty: name the object to reference'],
    ['empty include pattern', at({ scenarios: { include: [''] } }), '\'scenarios.include[0]\' is an empty pattern: give a glob such as \'scenarios/*.yaml\' or remove it'],
  ])('%s', (_name, act, message) => {
    expect(act).toThrow(message);
  });
});
