// What addParticipant and updateParticipant share: the checks of a participant's own fields (name,
// profileId, addresses), all judged before any upstream call, and the translation of input
// addresses into the upstream's shape.
import type { UpstreamAddress } from '../../upstream/types.ts';
import type { ParticipantAddressInputShape } from './inputs.ts';
import type { InputErrors } from './user-errors.ts';

export interface ParticipantFieldsInput {
  name?: string | null | undefined;
  profileId?: string | null | undefined;
  addresses?: readonly ParticipantAddressInputShape[] | null | undefined;
}

export function checkParticipantFields(input: ParticipantFieldsInput, errors: InputErrors): void {
  if (input.name != null && input.name.trim() === '') {
    errors.add(['name'], 'A name cannot be blank: leave it out, or set it to null to clear it.');
  }
  errors.sid(['profileId'], input.profileId, 'profile');
  input.addresses?.forEach((address, i) => {
    errors.address(['addresses', i], address);
    if (address.channelId === '') errors.add(['addresses', i, 'channelId'], 'channelId cannot be empty: leave it out.');
  });
}

export function toUpstreamAddresses(addresses: readonly ParticipantAddressInputShape[]): UpstreamAddress[] {
  return addresses.map((address) => ({
    address: address.address,
    channel: address.channel,
    ...(address.channelId == null ? {} : { channelId: address.channelId }),
  }));
}
