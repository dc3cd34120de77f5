import type { SimulatorApiOperation } from './operations';
import type { SimRequest, SimResponse } from './sim-http';

/** One SP-API operation: method + path pattern (on the raw path) → handler with decoded path params. */
export interface ApiRoute {
  readonly operation: SimulatorApiOperation;
  readonly method: string;
  readonly pattern: RegExp;
  handle(request: SimRequest, params: readonly string[]): SimResponse;
}

/** The SP-API region a request was sent to, from its Host (sellingpartnerapi-eu.amazon.com); `eu` otherwise. */
export function regionOf(request: SimRequest): 'na' | 'eu' | 'fe' {
  const match = /sellingpartnerapi-(na|eu|fe)\.amazon\.com$/.exec(request.host);
  return (match?.[1] as 'na' | 'eu' | 'fe' | undefined) ?? 'eu';
}
