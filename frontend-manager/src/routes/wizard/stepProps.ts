import type { ClientCard } from '../../api/types';

/** What the wizard hands every step: the client and its freshest card. */
export interface StepProps {
  clientId: string;
  card: ClientCard;
}
