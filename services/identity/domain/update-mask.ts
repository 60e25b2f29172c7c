import { Code, ConnectError } from "@connectrpc/connect";

/** UserChanges are the new values of the fields an update may change. */
export interface UserChanges {
  readonly email?: string;
  readonly displayName?: string;
}

/** UserValues are the values an UpdateUser request carries in its `user`. */
export interface UserValues {
  readonly email: string;
  readonly displayName: string;
}

/**
 * updatablePaths are the update_mask paths UpdateUser accepts: proto field
 * names of identity.v1.User, as FieldMask paths are (https://google.aip.dev/161).
 * The other fields are output only.
 */
export const updatablePaths = ["email", "display_name"] as const;

type UpdatablePath = (typeof updatablePaths)[number];

/**
 * applyUpdateMask picks from `values` the fields the mask names. Following
 * AIP-134, fields outside the mask are left alone even if set, so a client
 * can send a whole User it read and change one field. Every failure is
 * INVALID_ARGUMENT: an empty mask (a no-op update is almost always a client
 * bug), an unknown path, or a named field left empty (both are required).
 */
export function applyUpdateMask(paths: readonly string[], values: UserValues): UserChanges {
  if (paths.length === 0) {
    throw invalid(`update_mask must name at least one of: ${updatablePaths.join(", ")}`);
  }
  let changes: UserChanges = {};
  for (const path of paths) {
    if (!isUpdatable(path)) {
      throw invalid(
        `update_mask path "${path}" cannot be updated; use: ${updatablePaths.join(", ")}`,
      );
    }
    changes = { ...changes, ...changeFor(path, values) };
  }
  return changes;
}

function isUpdatable(path: string): path is UpdatablePath {
  return (updatablePaths as readonly string[]).includes(path);
}

function changeFor(path: UpdatablePath, values: UserValues): UserChanges {
  // Request validation skips empty strings (they mean "unset" in proto3), so
  // an empty value for a masked field is caught here: it would clear a
  // required field.
  if (path === "email") {
    if (values.email === "") throw invalid("user.email is in update_mask, so it must not be empty");
    return { email: values.email };
  }
  if (values.displayName === "") {
    throw invalid("user.display_name is in update_mask, so it must not be empty");
  }
  return { displayName: values.displayName };
}

function invalid(message: string): ConnectError {
  return new ConnectError(message, Code.InvalidArgument);
}
