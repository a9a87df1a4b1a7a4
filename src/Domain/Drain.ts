import * as Schema from "effect/Schema"
import { DrainWait } from "./Fleet.js"
import { TransitionReport } from "./Report.js"

/** `oneiric drain --wait --json` */
export class DrainReport extends Schema.Class<DrainReport>("DrainReport")({
  drain: TransitionReport,
  wait: DrainWait
}) {}
