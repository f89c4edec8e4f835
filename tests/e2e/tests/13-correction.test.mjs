// Correcting a conversation: the clinician who logged it withdraws a summary written in the
// wrong resident's record and corrects the outcome, with a reason. The facility no longer
// sees the summary — neither on the resident's page nor among the earlier versions — but
// sees that it was corrected, by whom and why; the team sees the earlier version in full.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, newPage, login, go, checkA11y, shot, mainText, makeWorld } from './helpers.mjs';

let browser; let w;
before(async () => {
  browser = await launch();
  w = await makeWorld('corr');
  await w.api.c.post('/api/conversations', {
    resident_id: w.sharing.id, occurred_at: new Date(Date.now() - 3600000).toISOString(), kind: 'home', outcome: 'held',
    contact_person_present: true, summary: 'Talte om flytning til Søndergade (forkert beboer).', clinical_note: 'Notat om medicin.',
  });
});
after(async () => { await browser?.close(); });

test('the author corrects a conversation; the facility sees the correction, not the withdrawn summary', async () => {
  const staff = await newPage(browser);
  await login(staff, w.staff.email);
  await go(staff, `/residents/${w.sharing.id}`);
  assert.match(await mainText(staff), /Talte om flytning til Søndergade/);
  assert.equal(await staff.getByRole('link', { name: /Ret samtalen/ }).count(), 0, 'only the author corrects');

  const page = await newPage(browser);
  await login(page, w.clinician.email);
  await go(page, `/residents/${w.sharing.id}`);
  await page.getByRole('link', { name: /Ret samtalen/ }).click();
  await page.locator('main h1', { hasText: 'Ret samtale' }).waitFor();
  await page.getByLabel('Resumé til fælles brug').fill('');
  await page.getByLabel('Udfald').selectOption('no_show');
  // a reason is required
  await page.getByRole('button', { name: 'Gem rettelsen' }).click();
  await page.locator('[data-field="reason"] .field-error').waitFor();
  await page.getByLabel('Hvorfor rettes samtalen?').fill('Resuméet var skrevet på den forkerte beboer; beboeren udeblev.');
  await checkA11y(page, 'correct a conversation');
  await shot(page, 'conversation-correct');
  await page.getByRole('button', { name: 'Gem rettelsen' }).click();
  await page.getByText('Rettelsen er gemt. Den tidligere udgave er bevaret.').waitFor();
  let text = await mainText(page);
  assert.match(text, /Udeblev/);
  assert.doesNotMatch(text, /Søndergade/);
  assert.match(text, /Rettet .* af Karen Klinik: Resuméet var skrevet på den forkerte beboer/);
  // the earlier version, in full, for the team
  await page.getByRole('link', { name: 'Se tidligere udgaver' }).click();
  await page.locator('main h1', { hasText: 'Tidligere udgaver' }).waitFor();
  text = await mainText(page);
  assert.match(text, /Udgave 1 – erstattet .* af Karen Klinik/);
  assert.match(text, /Talte om flytning til Søndergade/);
  assert.match(text, /Notat om medicin/);
  assert.match(text, /Gennemført/);
  await checkA11y(page, 'earlier versions (team)');
  await shot(page, 'conversation-history');

  // the facility: the correction and its reason, never the withdrawn summary
  await go(staff, `/residents/${w.sharing.id}?t=${Date.now()}`);
  text = await mainText(staff);
  assert.doesNotMatch(text, /Søndergade/);
  assert.match(text, /Rettet .* af Karen Klinik: Resuméet var skrevet på den forkerte beboer/);
  await staff.getByRole('link', { name: 'Se tidligere udgaver' }).click();
  await staff.locator('main h1', { hasText: 'Tidligere udgaver' }).waitFor();
  text = await mainText(staff);
  assert.match(text, /Udgave 1/);
  assert.match(text, /Tidligere resuméer og notater vises kun for F-ACT-teamet/);
  assert.doesNotMatch(text, /Søndergade|Notat om medicin/);
  await checkA11y(staff, 'earlier versions (facility)');
  assert.deepEqual(page.errors, []);
  assert.deepEqual(staff.errors, []);
  await page.context().close();
  await staff.context().close();
});
