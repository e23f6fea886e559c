import { stripVTControlCharacters } from 'node:util';
import { eventsTable } from '../../src/cli/describe-events';

const now = Date.parse('2026-12-01T10:00:00Z');
const at = (secondsAgo: number) => new Date(now - secondsAgo * 1000).toISOString();

test('as kubectl describe: oldest first, Type Reason Age From Message under dashes, repeats as (xN over first)', () => {
  const text = eventsTable([
    {
      type: 'Warning',
      reason: 'BackOff',
      message: 'Back-off restarting failed container  ',
      count: 5,
      firstTimestamp: at(600),
      lastTimestamp: at(30),
      source: { component: 'kubelet' },
      metadata: {},
    },
    { type: 'Normal', reason: 'Created', message: 'Created pod j-worker-0', eventTime: at(900), reportingComponent: 'kubejobs-controller', metadata: {} },
    {
      type: 'Normal',
      reason: 'Progress',
      message: '3/5 done',
      eventTime: at(1200),
      series: { count: 3, lastObservedTime: at(60) },
      reportingComponent: 'kubejobs-controller',
      metadata: {},
    },
  ], { now });
  expect(text).toBe(
    'Type      Reason     Age                 From                  Message\n' +
    '----      ------     ----                ----                  -------\n' +
    'Normal    Created    15m                 kubejobs-controller   Created pod j-worker-0\n' +
    'Normal    Progress   60s (x3 over 20m)   kubejobs-controller   3/5 done\n' +
    'Warning   BackOff    30s (x5 over 10m)   kubelet               Back-off restarting failed container\n');
});

test('ages as kubectl: a repeat seen 150 s ago, first 5h20m ago', () => {
  const text = eventsTable([{ type: 'Normal', reason: 'Pulled', message: 'm', count: 2, firstTimestamp: at(5 * 3600 + 20 * 60), lastTimestamp: at(150), metadata: {} }], { now });
  expect(text.split('\n')[2]).toBe('Normal   Pulled   2m30s (x2 over 5h20m)          m');
});

test('with colour only a Warning type is painted and the columns still line up', () => {
  const events = [{ type: 'Warning', reason: 'Failed', message: 'm', lastTimestamp: at(5), source: { component: 'kubelet' }, metadata: {} }];
  const coloured = eventsTable(events, { now, colour: true });
  expect(coloured).toContain('\u001b[33mWarning\u001b[39m');
  expect(stripVTControlCharacters(coloured)).toBe(eventsTable(events, { now }));
});
