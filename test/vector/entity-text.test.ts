import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { entityChunks, entityPassages, entityText, splitText } from '../../src/vector/entity-text.ts';

describe('entity text', () => {
  test('uses the mission’s fields per type and skips empty ones', () => {
    assert.equal(
      entityText('contact', {
        name: 'Dana Ortiz',
        email: 'dana@acme.example',
        company: 'Acme',
        role: null,
        notes: '',
        phone: '555',
      }),
      'name: Dana Ortiz\nemail: dana@acme.example\ncompany: Acme',
    );
    assert.equal(
      entityText('activity', { type: 'call', followUpNotes: 'Send quote' }),
      'type: call\nfollow-up notes: Send quote',
    );
  });

  test('a short record is one chunk, and each prose field of it a passage of its own for the vector side', () => {
    const lead = {
      name: 'Helen Cho',
      company: 'Meridian Insurance',
      requirements: 'Needs single sign-on and an audit trail before the security review.',
      notes: 'Unhappy with how long onboarding took last year; wants a named contact.',
    };
    const passages = entityPassages('lead', lead);
    assert.deepEqual(passages[0], entityChunks('lead', lead)[0], 'the whole record first');
    assert.deepEqual(
      passages.slice(1).map((passage) => [passage.index, passage.text]),
      [
        [1, lead.requirements],
        [2, lead.notes],
      ],
    );
    assert.equal(
      entityPassages('lead', { ...lead, notes: 'Call back.' }).length,
      2,
      'a short note is no passage',
    );
    const onlyNotes = { notes: 'Quarterly review went well; they plan to add two more teams next year.' };
    assert.equal(entityPassages('contact', onlyNotes).length, 1, 'a record that is its note is that passage');
    const content = 'The customer needs single sign-on and audit logs before the pilot. '.repeat(60);
    const document = { title: 'Security review', content };
    assert.deepEqual(
      entityPassages('document', document),
      entityChunks('document', document),
      'chunked as is',
    );
  });

  test('long documents become overlapping chunks that each carry the title', () => {
    const sentence = 'The customer needs single sign-on and audit logs before the pilot. ';
    const content = sentence.repeat(60);
    const chunks = entityChunks('document', { title: 'Security review', content, summary: 'SSO' });
    assert.ok(chunks.length > 3);
    for (const chunk of chunks) {
      assert.ok(chunk.text.startsWith('title: Security review\n'));
      assert.ok(chunk.text.length <= 1000);
    }
    assert.deepEqual(
      chunks.map((c) => c.index),
      chunks.map((_, i) => i),
    );
    assert.equal(entityChunks('deal', { name: 'Short' }).length, 1);
  });

  test('splitting covers the whole text and prefers sentence ends', () => {
    const text = Array.from({ length: 40 }, (_, i) => `Sentence number ${i} ends here.`).join(' ');
    const pieces = splitText(text, 200, 40);
    for (const piece of pieces.slice(0, -1)) assert.match(piece, /\.$/);
    for (let i = 0; i < 40; i++) assert.ok(pieces.some((piece) => piece.includes(`number ${i} `)));
  });
});
