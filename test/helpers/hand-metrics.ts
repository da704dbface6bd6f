/**
 * The figures of a real tado day report computed by hand from its raw JSON alone, minute by
 * minute (issue 12 §3: "hand-computed metrics … equal the tasks' output exactly"):
 *
 * - the day's minutes are its minute starts t = start + i·60 s, start being local midnight;
 * - heating minutes: minutes whose t lies in a `callForHeat` interval `[from, to)` whose value is
 *   not NONE;
 * - indoor at t: the point at t, else a + (b − a)·(t − t_a)/(t_b − t_a) between the raw points
 *   around t (they are 15 min apart, so no gap), the documented resampling rule; mean = their sum
 *   in time order / minutes; min and max;
 * - outdoor at t: the `weather.condition` interval containing t; HDD = max(0, 15.5 − mean).
 */

/** An interval of a raw report. */
export interface RawInterval<V> {
  from: string;
  to: string;
  value: V;
}

/** The parts of a raw day report the hand computation reads. */
export interface RawReport {
  measuredData: {
    insideTemperature: { dataPoints: { timestamp: string; value: { celsius: number } }[] };
    humidity: { dataPoints: { timestamp: string; value: number }[] };
  };
  callForHeat: { dataIntervals: RawInterval<string>[] };
  settings: { dataIntervals: RawInterval<{ power: string; temperature: { celsius: number } | null }>[] };
  weather: { condition: { dataIntervals: RawInterval<{ temperature: { celsius: number } } | null>[] } };
}

export const at = <V>(intervals: RawInterval<V>[], t: number): RawInterval<V> | undefined =>
  intervals.find((i) => Date.parse(i.from) <= t && t < Date.parse(i.to));

/** The figures a person computes from the file (rules above); `startIso`: local midnight. */
export function byHand(raw: RawReport, startIso: string) {
  const start = Date.parse(startIso);
  const points = raw.measuredData.insideTemperature.dataPoints.map((p) => ({
    t: Date.parse(p.timestamp),
    c: p.value.celsius,
  }));
  let heating = 0;
  let insideSum = 0;
  let min = Infinity;
  let max = -Infinity;
  let heatingInsideSum = 0;
  let setpointSum = 0;
  let setpointCount = 0;
  let outSum = 0;
  let outCount = 0;
  for (let i = 0; i < 1440; i++) {
    const t = start + i * 60_000;
    const exact = points.find((p) => p.t === t);
    const before = points.filter((p) => p.t < t).at(-1);
    const after = points.find((p) => p.t > t);
    if (exact === undefined && (before === undefined || after === undefined)) throw new Error('no bracket');
    const inside =
      exact?.c ?? before!.c + ((after!.c - before!.c) * (t - before!.t)) / (after!.t - before!.t);
    insideSum += inside;
    min = Math.min(min, inside);
    max = Math.max(max, inside);
    const isHeating = (at(raw.callForHeat.dataIntervals, t)?.value ?? 'NONE') !== 'NONE';
    if (isHeating) {
      heating++;
      heatingInsideSum += inside;
      const s = at(raw.settings.dataIntervals, t)?.value;
      if (s?.power === 'ON' && s.temperature !== null) {
        setpointSum += s.temperature.celsius;
        setpointCount++;
      }
    }
    const w = at(raw.weather.condition.dataIntervals, t)?.value;
    if (w !== null && w !== undefined) {
      outSum += w.temperature.celsius;
      outCount++;
    }
  }
  const outsideMean = outSum / outCount;
  return {
    heating,
    insideMean: insideSum / 1440,
    min,
    max,
    insideMeanHeating: heating === 0 ? null : heatingInsideSum / heating,
    setpointMeanHeating: setpointCount === 0 ? null : setpointSum / setpointCount,
    outsideMean,
    hdd: Math.max(0, 15.5 - outsideMean),
    inDayPoints: points.filter((p) => p.t >= start && p.t < start + 86_400_000),
  };
}
