// The webhook address policy and signature, without a network.
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { describe, test } from 'node:test';
import { isInternalAddress, refusedUrl, signature } from '../../src/automation/webhooks.ts';

const open = { allowedHosts: [], timeoutMs: 1000 };

describe('webhook addresses', () => {
  test('internal addresses and names are refused by default; public ones are not', () => {
    for (const address of [
      '127.0.0.1',
      '10.1.2.3',
      '172.20.0.1',
      '192.168.1.1',
      '169.254.169.254',
      '100.64.0.1',
      '::1',
      'fd00::1',
      'fe80::1',
      '::ffff:10.0.0.1',
    ])
      assert.ok(isInternalAddress(address), address);
    for (const address of ['8.8.8.8', '2606:4700::1111', '172.32.0.1'])
      assert.ok(!isInternalAddress(address), address);
    assert.match(refusedUrl('http://169.254.169.254/latest/meta-data', open)!, /internal address/);
    assert.match(refusedUrl('http://[::1]:8080/', open)!, /internal address/);
    assert.match(refusedUrl('http://localhost:3000/hook', open)!, /internal name/);
    assert.match(refusedUrl('ftp://example.com/hook', open)!, /http/);
    assert.equal(refusedUrl('https://hooks.example.com/crm', open), undefined);
  });

  test('an operator list allows its hosts, internal or not, and only those', () => {
    const listed = { allowedHosts: ['127.0.0.1', 'hooks.example.com'], timeoutMs: 1000 };
    assert.equal(refusedUrl('http://127.0.0.1:9000/hook', listed), undefined);
    assert.equal(refusedUrl('https://hooks.example.com/x', listed), undefined);
    assert.match(refusedUrl('https://other.example.com/x', listed)!, /WEBHOOK_ALLOWED_HOSTS/);
  });

  test('the signature is HMAC-SHA256 of "<timestamp>.<body>" with the rule secret', () => {
    const body = '{"a":1}';
    const expected = createHmac('sha256', 'whsec_test').update(`1700000000.${body}`).digest('hex');
    assert.equal(signature('whsec_test', 1_700_000_000, body), `t=1700000000,v1=${expected}`);
  });
});

describe('rule conditions and templates', async () => {
  const { fill, holds } = await import('../../src/automation/rule.ts');
  test('conditions compare fields, numbers, lists and ages', () => {
    const record = {
      status: 'new',
      amount: 5000,
      tags: ['vip'],
      custom: { region: 'EMEA' },
      updatedAt: '2020-01-01T00:00:00Z',
    };
    assert.ok(holds({ field: 'status', op: 'eq', value: 'new' }, record));
    assert.ok(holds({ field: 'custom.region', op: 'in', value: ['EMEA', 'APAC'] }, record));
    assert.ok(holds({ field: 'amount', op: 'gte', value: 5000 }, record));
    assert.ok(!holds({ field: 'amount', op: 'gt', value: 5000 }, record));
    assert.ok(holds({ field: 'tags', op: 'contains', value: 'vip' }, record));
    assert.ok(holds({ field: 'updatedAt', op: 'olderThanDays', value: 14 }, record));
    assert.ok(!holds({ field: 'missing', op: 'exists' }, record));
    assert.ok(!holds({ field: 'missing', op: 'gt', value: 0 }, record));
  });
  test('templates keep a whole value’s type and write text inside text', () => {
    const scope = { record: { id: 'L1', name: 'Ada' }, answers: { q: { output: { qualityScore: 81 } } } };
    assert.deepEqual(
      fill(
        {
          leadId: '{{record.id}}',
          score: '{{answers.q.output.qualityScore}}',
          note: 'Call {{record.name}} ({{answers.q.output.qualityScore}})',
        },
        scope,
      ),
      {
        leadId: 'L1',
        score: 81,
        note: 'Call Ada (81)',
      },
    );
  });
});
