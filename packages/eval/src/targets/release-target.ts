import { EndpointError } from '../runner/endpoint-client.js';
import type { ReleaseTargetDefinition } from '../suite/suite-definition.js';
import { toRetrievedContexts } from './retrieved-contexts.js';
import { callServer, meteredFields, serverConnection } from './server-client.js';
import type { ResolvedTarget, TargetContext } from './target.js';

/**
 * A registry release, by label or id. The label is resolved to a release id once, here, and every case
 * is answered by that id: a label moved during the run does not change what the run scored. The
 * release id is content-addressed from its pins, so it is the run's content hash.
 */
export async function releaseTarget(
  target: ReleaseTargetDefinition,
  context: TargetContext,
): Promise<ResolvedTarget> {
  const connection = serverConnection(target, context);
  const { value: release } = await callServer(connection, (client) => client.releases.get(target.release));
  const id = release.id;
  return {
    ref: {
      kind: 'release',
      id,
      description: target.release === id ? `release ${id}` : `release ${target.release} (${id})`,
      contentHash: id,
    },
    async call(item, input) {
      const { value: answer, headers } = await callServer(connection, (client) =>
        client.answer.create({
          release: id,
          question: input,
          ...(item.variables !== undefined && { variables: item.variables }),
        }),
      );
      if (answer.release?.id !== id) {
        throw new EndpointError(
          `${connection.baseURL}/v1/answer answered from release ${answer.release?.id ?? 'none'}, not ${id}`,
        );
      }
      return {
        output: answer.answer,
        contexts: toRetrievedContexts(answer.citations),
        ...meteredFields(headers, answer.cost),
      };
    },
  };
}
