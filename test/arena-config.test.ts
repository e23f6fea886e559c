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
  ])('%s', (_name, act, message) => {
    expect(act).toThrow(message);
  });
});
