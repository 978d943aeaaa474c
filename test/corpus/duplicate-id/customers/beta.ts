import { defineCustomer } from 'dialplane';

// A customer written in TypeScript: the helper gives the editor the Customer type.
const usPrefixes = ['1'];

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
      providerCappedRate: '0.05',
      profitAssurance: true,
      maxDuration: '90m',
    },
  ],
});
