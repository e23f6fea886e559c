import { ControllerOptions, ControllerProcess } from './controller-process';
import { POD_GROUP_CRD, TestApi } from './helpers';
import { crdManifestOf, KUBEJOBS_DEFINITIONS } from '../../src/api';
import { ControlPlane } from '../cluster/control-plane';
import { FaultProxy } from '../cluster/fault-proxy';
import { applyManifests } from '../cluster/kube-helpers';

/** Options of {@link useController}. */
export interface UseControllerOptions extends Omit<ControllerOptions, 'server'> {
  /** Also install the T9k scheduler's PodGroup kind (default false: the scheduler is absent). */
  readonly podGroups?: boolean;
  /** Route the controller through a {@link FaultProxy} (default false). */
  readonly behindProxy?: boolean;
}

/** What {@link useController} hands a test. */
export interface RunningController {
  readonly api: TestApi;
  readonly controller: ControllerProcess;
  /** Set when `behindProxy`. */
  readonly proxy?: FaultProxy;
}

/**
 * Registers `beforeAll`/`afterAll` hooks that install the GenericJob CRD in the file's control
 * plane and run one `kubejobs controller` (under its own ServiceAccount) for all the file's tests,
 * and returns an accessor. An unclean exit of the controller is printed with its log.
 */
export function useController(plane: () => ControlPlane, options: UseControllerOptions = {}): () => RunningController {
  let running: RunningController | undefined;
  beforeAll(async () => {
    const kc = plane().kubeConfig;
    // The controller watches every kind it reconciles: every kubejobs CRD must be served.
    const crds = KUBEJOBS_DEFINITIONS.map((d) => crdManifestOf(d) as never);
    await applyManifests(kc, [...crds, ...(options.podGroups ? [POD_GROUP_CRD] : [])]);
    const proxy = options.behindProxy ? await FaultProxy.start({ server: plane().server, caData: plane().caData }) : undefined;
    const controller = await ControllerProcess.start(plane(), { ...options, server: proxy?.url });
    running = { api: new TestApi(kc), controller, proxy };
    await controller.waitReady();
  }, 120_000);
  afterAll(async () => {
    if (!running) return;
    const exit = await running.controller.stop();
    if (exit.code !== 0) process.stderr.write(`controller exited with ${JSON.stringify(exit)}:\n${running.controller.logTail()}\n`);
    await running.proxy?.close();
  });
  return () => {
    if (!running) throw new Error('the controller is not running (did beforeAll fail?)');
    return running;
  };
}
