/**
 * The simulated account: one user, one home in `Europe/London` with four HEATING zones (one of
 * them created in mid-2022), an AIR_CONDITIONING zone (`ac-day-report.ts`) and a HOT_WATER zone,
 * with per-zone physics and habits.
 */

/** A local-time schedule block: from `start` (HH:MM) to the next block, this setting. */
export interface ScheduleBlock {
  /** Local start, `HH:MM`. */
  readonly start: string;
  /** Setpoint in °C, or null for power OFF. */
  readonly setpointC: number | null;
}

/** One simulated zone. */
export interface SimZone {
  readonly id: number;
  readonly name: string;
  readonly type: 'HEATING' | 'HOT_WATER' | 'AIR_CONDITIONING';
  /** ISO instant of creation (no day report before its local date). */
  readonly dateCreated: string;
  readonly deviceType: string;
  readonly serialNo: string;
  /** Heat-loss time constant, hours (indoor drifts to outdoor with it). */
  readonly lossTimeConstantH: number;
  /** Heating rate at full call for heat, K/h (AIR_CONDITIONING: the unit's capacity, cooling or heating). */
  readonly heatRateKPerH: number;
  /** Internal gains (people, appliances), K/h. */
  readonly gainsKPerH: number;
  /** Solar gain at full clear-sky sun, K/h. */
  readonly solarGainKPerH: number;
  /** Extra indoor vapour pressure from occupants, hPa. */
  readonly moistureHpa: number;
  /** Weekday schedule (HEATING zones; an AIR_CONDITIONING zone's runs come from the weather). */
  readonly weekday: readonly ScheduleBlock[];
  /** Weekend schedule. */
  readonly weekend: readonly ScheduleBlock[];
  /** Setpoint of a manual boost overlay, °C. */
  readonly boostC: number;
}

/** The simulated home. */
export interface SimHome {
  readonly userId: string;
  readonly userName: string;
  readonly email: string;
  readonly homeId: number;
  readonly homeName: string;
  readonly timeZone: string;
  readonly dateCreated: string;
  readonly zones: readonly SimZone[];
  /** Another home that exists but is not the user's (403). */
  readonly foreignHomeId: number;
  /** Local dates (MM-DD) between which heating is switched off for the summer. */
  readonly summerOffFrom: string;
  readonly summerOffTo: string;
  /** Setpoint in AWAY mode, °C. */
  readonly awaySetpointC: number;
}

/** The default home of the simulator. */
export const DEFAULT_SIM_HOME: SimHome = {
  userId: '5f3c0e9a7b1d2c0012345678',
  userName: 'Sim Example',
  email: 'sim@example.org',
  homeId: 123456,
  homeName: 'Simulated home',
  timeZone: 'Europe/London',
  dateCreated: '2021-11-15T12:27:24.825Z',
  foreignHomeId: 654321,
  summerOffFrom: '05-02',
  summerOffTo: '10-03',
  awaySetpointC: 15,
  zones: [
    {
      id: 1,
      name: 'Living room',
      type: 'HEATING',
      dateCreated: '2021-11-15T12:40:02.118Z',
      deviceType: 'VA02',
      serialNo: 'VA1000000001',
      lossTimeConstantH: 46,
      heatRateKPerH: 2.8,
      gainsKPerH: 0.075,
      solarGainKPerH: 0.32,
      moistureHpa: 5,
      weekday: [
        { start: '00:00', setpointC: 16 },
        { start: '06:30', setpointC: 20 },
        { start: '08:30', setpointC: 18 },
        { start: '17:00', setpointC: 21 },
        { start: '22:30', setpointC: 16 },
      ],
      weekend: [
        { start: '00:00', setpointC: 16 },
        { start: '08:00', setpointC: 20.5 },
        { start: '23:00', setpointC: 16 },
      ],
      boostC: 23,
    },
    {
      id: 2,
      name: 'Bedroom',
      type: 'HEATING',
      dateCreated: '2021-11-15T12:44:51.377Z',
      deviceType: 'VA02',
      serialNo: 'VA1000000002',
      lossTimeConstantH: 40,
      heatRateKPerH: 3.1,
      gainsKPerH: 0.06,
      solarGainKPerH: 0.24,
      moistureHpa: 5.5,
      weekday: [
        { start: '00:00', setpointC: null },
        { start: '06:00', setpointC: 19 },
        { start: '08:00', setpointC: null },
        { start: '21:00', setpointC: 18 },
        { start: '23:30', setpointC: null },
      ],
      weekend: [
        { start: '00:00', setpointC: null },
        { start: '07:30', setpointC: 19 },
        { start: '10:00', setpointC: null },
        { start: '21:30', setpointC: 18 },
      ],
      boostC: 22,
    },
    {
      id: 3,
      name: 'Kitchen',
      type: 'HEATING',
      dateCreated: '2021-11-15T12:47:10.905Z',
      deviceType: 'RU02',
      serialNo: 'RU1000000003',
      lossTimeConstantH: 36,
      heatRateKPerH: 3.4,
      gainsKPerH: 0.09,
      solarGainKPerH: 0.2,
      moistureHpa: 6,
      weekday: [
        { start: '00:00', setpointC: 15 },
        { start: '06:45', setpointC: 19 },
        { start: '09:00', setpointC: 16 },
        { start: '17:30', setpointC: 19.5 },
        { start: '21:00', setpointC: 15 },
      ],
      weekend: [
        { start: '00:00', setpointC: 15 },
        { start: '08:30', setpointC: 19 },
        { start: '21:00', setpointC: 15 },
      ],
      boostC: 22,
    },
    {
      id: 4,
      name: 'Study',
      type: 'HEATING',
      dateCreated: '2022-06-14T17:21:36.514Z',
      deviceType: 'VA02',
      serialNo: 'VA1000000004',
      lossTimeConstantH: 32,
      heatRateKPerH: 3.6,
      gainsKPerH: 0.07,
      solarGainKPerH: 0.42,
      moistureHpa: 4,
      // kept at 17 °C; a working day at 20.5 °C, a shorter one at 20 °C at the weekend
      weekday: [
        { start: '00:00', setpointC: 17 },
        { start: '08:45', setpointC: 20.5 },
        { start: '17:30', setpointC: 17 },
      ],
      weekend: [
        { start: '00:00', setpointC: 17 },
        { start: '09:30', setpointC: 20 },
        { start: '16:30', setpointC: 17 },
      ],
      boostC: 24,
    },
    {
      // a loft office with a split AC unit (WR02: tado° Smart AC Control), under the roof: sunny, quick to warm
      id: 5,
      name: 'Loft office',
      type: 'AIR_CONDITIONING',
      dateCreated: '2021-11-15T12:52:33.610Z',
      deviceType: 'WR02',
      serialNo: 'WR1000000005',
      lossTimeConstantH: 26,
      heatRateKPerH: 4,
      gainsKPerH: 0.08,
      solarGainKPerH: 0.45,
      moistureHpa: 3,
      weekday: [],
      weekend: [],
      boostC: 0,
    },
    {
      id: 0,
      name: 'Hot Water',
      type: 'HOT_WATER',
      dateCreated: '2021-11-15T12:30:11.402Z',
      deviceType: 'BR02',
      serialNo: 'BR1000000000',
      lossTimeConstantH: 1,
      heatRateKPerH: 0,
      gainsKPerH: 0,
      solarGainKPerH: 0,
      moistureHpa: 0,
      weekday: [],
      weekend: [],
      boostC: 55,
    },
  ],
};
