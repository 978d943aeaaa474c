import { defineCustomer } from 'dialplane';

// A customer written in TypeScript: the helper gives the editor the Customer type.
const usPrefixes = ['1'];

function cents(n: number): string {
  if (n > 10) throw new Error(`cap of ${n} cents is above the 10-cent policy`);
  return (n / 100).toFixed(2);
}

export default defineCustomer({
  id: 'beta',
  name: 'Beta Voice',
  auth: {
    users: [{ username: 'beta-pbx', realm: 'sip.example.net', ha1: '80b2b62b1e67d5b1fccc7d3959c51194' }],
  },
  limits: { cps: 10, channels: 50 },
  routes: [
    {
      id: 'all',
      dial: { prefixes: [...usPrefixes, '44', '49'] },
      card: 'wholesale',
      providerCappedRate: cents(50),
      profitAssurance: true,
      maxDuration: '90m',
    },
  ],
});
