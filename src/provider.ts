import { Construct } from 'constructs';
import { PROVIDER } from './api';
import { CustomResource, CustomResourceProps } from './custom-resource';
import type { ProviderSpec } from '../imports/omnia.altairalabs.ai';

/** Kinds of LLM provider. */
export enum ProviderType {
  /** Anthropic Claude. */
  CLAUDE = 'claude',
  /** OpenAI. */
  OPENAI = 'openai',
  /** Google Gemini. */
  GEMINI = 'gemini',
  /** Ollama. */
  OLLAMA = 'ollama',
  /** A mock provider, for tests. */
  MOCK = 'mock',
}

/** Properties for `Provider`. */
export interface ProviderProps extends CustomResourceProps {
  /** Kind of provider. */
  readonly type: ProviderType;
  /**
   * Model name, e.g. `claude-sonnet-4-20250514`.
   *
   * @default - the provider's default
   */
  readonly model?: string;
  /**
   * API endpoint.
   *
   * @default - the provider's default
   */
  readonly baseUrl?: string;
  /**
   * Secret (same namespace) holding the API key.
   *
   * @default - no Secret
   */
  readonly secretName?: string;
  /**
   * Key of the API key in the Secret.
   *
   * @default - the type's usual keys (e.g. ANTHROPIC_API_KEY, then api-key)
   */
  readonly secretKey?: string;
}

/**
 * An Omnia `Provider` (`omnia.altairalabs.ai/v1alpha1`): an LLM provider ArenaConfigs run
 * scenarios against. Pass its `name` in an ArenaConfig's `providers`.
 */
export class Provider extends CustomResource {
  private readonly props: ProviderProps;

  public constructor(scope: Construct, id: string, props: ProviderProps) {
    super(scope, id, PROVIDER, props ?? ({} as ProviderProps));
    if (!props?.type) throw new Error('Provider needs \'type\': one of ProviderType (claude, openai, gemini, ollama, mock)');
    if (props.secretKey !== undefined && props.secretName === undefined) {
      throw new Error(`'secretKey' ('${props.secretKey}') needs 'secretName': name the Secret that holds the key`);
    }
    this.props = props;
  }

  protected renderSpec(): ProviderSpec {
    const p = this.props;
    return {
      type: p.type,
      model: p.model,
      baseURL: p.baseUrl,
      secretRef: p.secretName ? { name: p.secretName, key: p.secretKey } : undefined,
    };
  }
}
