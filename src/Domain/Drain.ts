import * as Schema from "effect/Schema"
import { TransitionReport } from "./Report.js"
import { snake } from "./Fields.js"


/** One live process as `drain --wait` saw it last. */
export class InstanceDrain extends Schema.Class<InstanceDrain>("InstanceDrain")({
  id: Schema.String,
  pid: Schema.Number,
  host: Schema.String,
  /** Has it applied the drain yet (its change-feed position is at or past the drain)? */
  acknowledged: Schema.Boolean,
  inflight: Schema.Number
}) {}

/** How a `drain --wait` ended. */
export class DrainWait extends Schema.Class<DrainWait>("DrainWait")({
  drained: Schema.Boolean,
  remaining: Schema.Number,
  waitedMs: snake(Schema.Number, "waited_ms"),
  timeoutMs: snake(Schema.Number, "timeout_ms"),
  instances: Schema.Array(InstanceDrain),
  /** Instances whose heartbeat is older than 3 intervals: ignored. */
  stale: Schema.Array(Schema.String)
}) {}

/** `oneiric drain --wait --json` */
export class DrainReport extends Schema.Class<DrainReport>("DrainReport")({
  drain: TransitionReport,
  wait: DrainWait
}) {}
