// Orchid Networks: a reseller on the same hosted platform as bluebell-telecom (source IP
// 203.0.113.50), told apart by its tech prefix 7002. Written in TypeScript to show the typed form
// of a customer: the editor completes every field and the compiler type-checks it against the
// JSON Schema. During UK business hours its UK calls go over Albion only (locked) on the premium
// tariff; outside them the unscheduled off-peak route takes them at least cost.
import { defineCustomer } from 'dialplane';

export default defineCustomer({
  id: 'orchid-networks',
  name: 'Orchid Networks',
  auth: {
    ips: ['203.0.113.50'],
  },
  limits: { cps: 8, channels: 80 },
  routes: [
    {
      id: 'uk-business-hours',
      techPrefix: '7002',
      dial: { prefixes: ['44'] },
      card: 'premium-priority',
      schedule: 'uk-business-hours', // precedence 10 beats the unscheduled route below
      lock: ['albion-direct'],
      blockTypes: ['premium'],
      numberActions: { calling: ['PA+'] }, // Albion wants the CLI in +E.164
    },
    {
      id: 'uk-off-peak',
      techPrefix: '7002',
      dial: { prefixes: ['44'] },
      card: 'wholesale-lcr',
      blockTypes: ['premium'],
      maxDuration: '2h',
    },
    {
      id: 'international',
      techPrefix: '7002',
      dial: { prefixes: ['1', '33', '49', '91'] },
      card: 'balanced-average',
      providerCappedRate: '0.0500',
      limits: { cps: 4, channels: 30 },
    },
  ],
});
