import { SlimDaskError } from "../../../components/common/errors";

export const DIGEST = `sha256:${"ab".repeat(32)}`;
export const PINNED = `registry.example.com:5000/team/dask@${DIGEST}`;

/** Runs `fn` and returns the SlimDaskError it throws (fails the test otherwise). */
export function errorOf(fn: () => unknown): SlimDaskError {
  try {
    fn();
  } catch (e) {
    if (e instanceof SlimDaskError) return e;
    throw e;
  }
  throw new Error("expected a SlimDaskError, nothing was thrown");
}
