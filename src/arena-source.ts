import { Duration } from 'cdk8s';
import { Construct } from 'constructs';
import { ARENA_SOURCE } from './api';
import { CustomResource, CustomResourceProps } from './custom-resource';
import { toGoDuration } from './duration-format';
import type { ArenaSourceSpec } from '../imports/omnia.altairalabs.ai';

/** A scenario bundle in a ConfigMap of the source's namespace: the controller reads it and counts its scenarios. */
export interface ArenaConfigMapBundle {
  /** Name of the ConfigMap. */
  readonly name: string;
  /**
   * Key of the bundle in the ConfigMap.
   *
   * @default 'pack.json'
   */
  readonly key?: string;
}

/** A scenario bundle in a Git repository: the workers clone it. */
export interface ArenaGitBundle {
  /** Repository URL (`https://`, `http://` or `ssh://`). */
  readonly url: string;
  /**
   * Branch to follow.
   *
   * @default - the repository's default branch
   */
  readonly branch?: string;
  /**
   * Tag to check out (wins over `branch`).
   *
   * @default - none
   */
  readonly tag?: string;
  /**
   * Commit to check out (wins over `tag`).
   *
   * @default - none
   */
  readonly commit?: string;
  /**
   * Directory of the bundle in the repository.
   *
   * @default - the repository root
   */
  readonly path?: string;
  /**
   * Secret (same namespace) with the credentials.
   *
   * @default - a public repository
   */
  readonly secretName?: string;
}

/** A scenario bundle as an OCI artifact: the workers pull it. */
export interface ArenaOciBundle {
  /** Artifact URL, `oci://registry/repository:tag`. */
  readonly url: string;
  /**
   * Secret (same namespace) with the registry credentials.
   *
   * @default - anonymous pull
   */
  readonly secretName?: string;
  /**
   * Allow a registry without TLS.
   *
   * @default false
   */
  readonly insecure?: boolean;
}

/** Properties for `ArenaSource`: exactly one of `configMap`, `git` and `oci`. */
export interface ArenaSourceProps extends CustomResourceProps {
  /**
   * The bundle in a ConfigMap.
   *
   * @default - not a ConfigMap source
   */
  readonly configMap?: ArenaConfigMapBundle;
  /**
   * The bundle in a Git repository.
   *
   * @default - not a Git source
   */
  readonly git?: ArenaGitBundle;
  /**
   * The bundle as an OCI artifact.
   *
   * @default - not an OCI source
   */
  readonly oci?: ArenaOciBundle;
  /**
   * How often the source is checked again.
   *
   * @default Duration.minutes(5)
   */
  readonly interval?: Duration;
  /**
   * Stop checking the source.
   *
   * @default false
   */
  readonly suspend?: boolean;
}

/**
 * An Omnia `ArenaSource` (`omnia.altairalabs.ai/v1alpha1`): where the scenario bundle of
 * ArenaConfigs comes from. Pass its `name` as an ArenaConfig's `sourceName`.
 */
export class ArenaSource extends CustomResource {
  private readonly props: ArenaSourceProps;

  public constructor(scope: Construct, id: string, props: ArenaSourceProps) {
    super(scope, id, ARENA_SOURCE, props ?? {});
    this.props = props ?? {};
    const given = (['configMap', 'git', 'oci'] as const).filter((k) => this.props[k] !== undefined);
    if (given.length !== 1) {
      throw new Error(`ArenaSource needs exactly one of 'configMap', 'git' and 'oci' (given: ${given.length === 0 ? 'none' : given.map((k) => `'${k}'`).join(', ')}): `
        + 'name where the scenario bundle is');
    }
    if (this.props.interval !== undefined && this.props.interval.toMilliseconds() <= 0) {
      throw new Error(`'interval' (${this.props.interval.toHumanString()}) must be longer than zero`);
    }
  }

  protected renderSpec(): ArenaSourceSpec {
    const p = this.props;
    const interval = toGoDuration(p.interval ?? Duration.minutes(5));
    const common = { interval, suspend: p.suspend };
    if (p.configMap) return { type: 'configmap', configMap: { name: p.configMap.name, key: p.configMap.key }, ...common };
    if (p.git) {
      const g = p.git;
      const ref = g.branch ?? g.tag ?? g.commit ? { branch: g.branch, tag: g.tag, commit: g.commit } : undefined;
      return { type: 'git', git: { url: g.url, ref, path: g.path, secretRef: g.secretName ? { name: g.secretName } : undefined }, ...common };
    }
    const o = p.oci!;
    return { type: 'oci', oci: { url: o.url, secretRef: o.secretName ? { name: o.secretName } : undefined, insecure: o.insecure }, ...common };
  }
}
