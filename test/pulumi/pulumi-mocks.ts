import { runInThisContext } from 'vm';
import type * as pulumiType from '@pulumi/pulumi';

/** One resource registration the program made, as the engine would receive it. */
export interface Registration {
  readonly type: string;
  readonly name: string;
  /** The inputs, deserialised (what `mocks.newResource` receives). */
  readonly inputs: any;
  /** URN of the parent resource ('' for none). */
  readonly parent: string;
  /** URNs of the resources this one depends on (`dependsOn` and inputs' dependencies). */
  readonly dependencies: string[];
  /** URN the (mock) engine gave the resource. */
  readonly urn: Promise<string>;
}

/** What `useMocks` sets up: the Pulumi SDK in mock mode and the registrations it records. */
export interface MockedPulumi {
  readonly pulumi: typeof pulumiType;
  readonly registrations: Registration[];
}

/**
 * Puts the Pulumi SDK in mock mode (`pulumi.runtime.setMocks`) and records every resource
 * registration.
 *
 * `MockResourceArgs` has no dependencies, so the resource monitor that `setMocks` installs is
 * wrapped: its `registerResource` receives the engine's own request, whose dependency list is
 * what `pulumi up` uses to order operations (explicit `dependsOn`, expanded from components to
 * the resources inside them, plus the dependencies of the inputs). The wrapped monitor then
 * calls the mock's `newResource` as before.
 */
export async function useMocks(): Promise<MockedPulumi> {
  const pulumi = await import('@pulumi/pulumi');
  const registrations: Registration[] = [];
  await pulumi.runtime.setMocks({
    newResource: (args) => ({ id: args.custom ? `${args.name}-id` : undefined, state: args.inputs }),
    call: (args) => args.inputs,
  }, 'kubejobs', 'test', false);
  const monitor = pulumi.runtime.getMonitor() as any;
  const registerResource = monitor.registerResource.bind(monitor);
  monitor.registerResource = (req: any, callback: (err: unknown, res: any) => void) => {
    let resolveUrn!: (urn: string) => void;
    let rejectUrn!: (err: unknown) => void;
    const urn = new Promise<string>((res, rej) => {
      resolveUrn = res;
      rejectUrn = rej;
    });
    urn.catch(() => undefined);
    registrations.push({
      type: req.getType(),
      name: req.getName(),
      inputs: pulumi.runtime.deserializeProperties(req.getObject()),
      parent: req.getParent(),
      dependencies: req.getDependenciesList(),
      urn,
    });
    registerResource(req, (err: unknown, res: any) => {
      if (err) rejectUrn(err);
      else resolveUrn(res.getUrn());
      callback(err, res);
    });
  };
  return { pulumi, registrations };
}

/** The value of an output (rejects if the output does). */
export function valueOf<T>(output: pulumiType.Output<T>): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    output.apply((v) => {
      resolve(v);
      return v;
    });
    // An apply callback never runs when the output fails; its promise carries the error.
    (output as any).promise().catch(reject);
  });
}

/** Waits until the SDK has sent every pending registration to the monitor. */
export async function settle(): Promise<void> {
  for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
}

/**
 * Runs `action` and returns the errors the Pulumi SDK reported as unhandled rejections meanwhile.
 *
 * That is how Pulumi reports an error thrown inside an `apply` (e.g. a bad value that arrived as an
 * `Output`): `pulumi up`'s run harness listens for `unhandledRejection` and fails the deployment
 * with the error's message and resource. Under jest, the test gets a copy of `process`, and jest's
 * own listener on the real process would fail the test. So this listens on the real process
 * (`vm.runInThisContext` evaluates in the main context, where `process` is the real one), records
 * each error and handles its promise, which tells jest (via `rejectionHandled`) it was expected.
 */
export async function unhandledErrorsDuring(action: () => Promise<void>): Promise<unknown[]> {
  const realProcess = runInThisContext('process') as NodeJS.Process;
  const errors: unknown[] = [];
  const listener = (reason: unknown, promise: Promise<unknown>) => {
    errors.push(reason);
    promise.catch(() => undefined);
  };
  // jest-circus also listens on the real process and would fail the test with the rejection this
  // helper is there to collect: its listeners are set aside meanwhile and put back after.
  const processes = [...new Set([realProcess, process])];
  const setAside = processes.map((p) => [p, p.listeners('unhandledRejection')] as const);
  for (const [p, listeners] of setAside) {
    for (const l of listeners) p.off('unhandledRejection', l as (...args: any[]) => void);
    p.on('unhandledRejection', listener);
  }
  try {
    await action();
    await settle();
    await new Promise((r) => setTimeout(r, 50));
  } finally {
    for (const [p, listeners] of setAside) {
      p.off('unhandledRejection', listener);
      for (const l of listeners) p.on('unhandledRejection', l as (...args: any[]) => void);
    }
  }
  return errors;
}

/** A custom resource of a made-up type (the mocks create it), for outputs that come from another resource. */
export function testResource(type: string, name: string): pulumiType.CustomResource {
  // Loaded on use, after `useMocks`: the SDK must be in mock mode before any resource is defined.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const pulumi: typeof pulumiType = require('@pulumi/pulumi');
  class TestResource extends pulumi.CustomResource {
    public constructor() {
      super(type, name, {});
    }
  }
  return new TestResource();
}
