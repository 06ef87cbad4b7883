import { start, SANDBOX_SEEK_CLIENT, type SeekSandbox } from '../src/sandbox';

/**
 * The SEEK sandbox over real HTTP: token endpoint, token checks, graphql-js validation, the
 * idempotency and duplicate-upload rules, faults and the /_sandbox controls. Documents here are
 * written inline on purpose (not imported from @status-bridge/seek), so the sandbox is tested
 * independently of the client it serves.
 */
const UPLOAD = `mutation ($input: UploadCandidateInput!) {
  uploadCandidate(input: $input) {
    __typename
    ... on UploadCandidatePayload_Success { candidate { documentId { value } profiles { profileId { value } } } }
    ... on UploadCandidatePayload_Conflict { conflictingCandidate { documentId { value } profiles { profileId { value } } } }
  }
}`;
const CREATE = `mutation ($input: CreateCandidateProcessHistoryItemInput!) {
  createCandidateProcessHistoryItem(input: $input) {
    __typename
    ... on CreateCandidateProcessHistoryItemPayload_Success { candidateProcessHistoryItem { id { value } } }
    ... on CreateCandidateProcessHistoryItemPayload_Conflict { conflictingCandidateProcessHistoryItem { id { value } } }
  }
}`;
const UPDATE = `mutation ($input: UpdateCandidateProcessHistoryItemInput!) { updateCandidateProcessHistoryItem(input: $input) { candidateProcessHistoryItem { id { value } } } }`;
const DELETE = `mutation ($input: DeleteCandidateProcessHistoryItemInput!) { deleteCandidateProcessHistoryItem(input: $input) { candidateProcessHistoryItem { id { value } } } }`;

const HIRER = 'seekAnz:organization:seek:sandboxtest';
const person = (email: string) => ({ name: { formattedName: 'Terry Astley', given: 'Terry', family: 'Astley' }, communication: { email: [{ address: email }], phone: [] } });
const uploadInput = (email: string, hirer = HIRER) => ({
  candidate: { distributionGuidelines: { seekProductCodes: ['ProactiveSourcing'] }, person: person(email), seekPrimaryEmailAddress: email },
  candidateProfile: { createDateTime: '2026-11-23T18:00:00Z', updateDateTime: '2026-11-23T18:00:00Z', positionPreferences: [], seekActions: [], seekProcessHistory: [] },
  hiringOrganization: { id: hirer },
});
const party = { person: { name: { formattedName: 'Terry Astley' }, communication: { email: [], phone: [] } } };
const transition = (idempotencyId: string, overrides: Record<string, unknown> = {}) => ({
  action: { code: 'CandidateWorkflowTransition', name: 'Initial offer', description: 'Progressed to offer stage' },
  actionDate: '2026-11-23T18:00:00Z',
  idempotencyId,
  primaryParties: [party],
  positionProfile: { profileId: 'seekAnz:positionProfile:unposted:abc' },
  seekSource: { name: 'Recruitment Agency' },
  status: { code: 'Offer' },
  ...overrides,
});

describe('SEEK sandbox', () => {
  let sandbox: SeekSandbox;
  let token: string;

  const getToken = async (body: Record<string, unknown> = {}): Promise<Response> =>
    fetch(sandbox.tokenUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ audience: 'https://graphql.seek.com', client_id: SANDBOX_SEEK_CLIENT.clientId, client_secret: SANDBOX_SEEK_CLIENT.clientSecret, grant_type: 'client_credentials', ...body }),
    });
  const gql = async (query: string, variables: Record<string, unknown>, bearer: string | null = token): Promise<{ status: number; body: any; headers: Headers }> => {
    const response = await fetch(sandbox.graphqlUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(bearer ? { authorization: `Bearer ${bearer}` } : {}), 'x-request-id': 'r1', 'x-session-id': 's1' },
      body: JSON.stringify({ query, variables }),
    });
    return { status: response.status, body: await response.json().catch(() => undefined), headers: response.headers };
  };
  const upload = async (email: string): Promise<string> => {
    const { body } = await gql(UPLOAD, { input: uploadInput(email) });
    return body.data.uploadCandidate.candidate?.profiles[0].profileId.value ?? body.data.uploadCandidate.conflictingCandidate.profiles[0].profileId.value;
  };

  beforeAll(async () => {
    sandbox = await start({ tokenLifetimeSeconds: 900 });
  });
  beforeEach(async () => {
    sandbox.reset();
    token = ((await (await getToken()).json()) as { access_token: string }).access_token;
  });
  afterAll(async () => {
    await sandbox.close();
  });

  describe('token endpoint', () => {
    it('issues a Bearer token with the configured expires_in', async () => {
      const response = await getToken();
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({ access_token: expect.any(String), expires_in: 900, token_type: 'Bearer' });
    });

    it.each([
      ['a wrong secret', { client_secret: 'nope' }, 401],
      ['an unknown client', { client_id: 'who' }, 401],
      ['a wrong audience', { audience: 'https://api.seek.com.au' }, 403],
      ['another grant type', { grant_type: 'password' }, 400],
    ])('refuses %s', async (_what, body, status) => {
      expect((await getToken(body)).status).toBe(status);
    });

    it('accepts the Playground audience', async () => {
      expect((await getToken({ audience: 'https://test.graphql.seek.com' })).status).toBe(200);
    });
  });

  describe('authentication', () => {
    it.each([
      ['no token', null, 'No access token provided'],
      ['an unknown token', 'forged', 'Invalid access token'],
    ])('answers UNAUTHENTICATED in SEEK\'s shape for %s', async (_what, bearer, message) => {
      const { status, body } = await gql(UPLOAD, { input: uploadInput('a@example.com') }, bearer);
      expect(status).toBe(200);
      expect(body.errors[0]).toMatchObject({ message, extensions: { code: 'UNAUTHENTICATED' } });
      expect(sandbox.state.candidates.size).toBe(0);
    });

    it('expired tokens are refused; a new one works', async () => {
      sandbox.expireTokens();
      expect((await gql(UPLOAD, { input: uploadInput('a@example.com') })).body.errors[0].extensions.code).toBe('UNAUTHENTICATED');
      token = ((await (await getToken()).json()) as { access_token: string }).access_token;
      expect((await gql(UPLOAD, { input: uploadInput('a@example.com') })).body.data.uploadCandidate.__typename).toBe('UploadCandidatePayload_Success');
    });
  });

  describe('validation as graphql-js does it', () => {
    it('a misspelt field: 400 GRAPHQL_VALIDATION_FAILED', async () => {
      const { status, body } = await gql(CREATE.replace('conflictingCandidateProcessHistoryItem', 'conflictingItem'), {});
      expect(status).toBe(400);
      expect(body.errors[0].extensions.code).toBe('GRAPHQL_VALIDATION_FAILED');
      expect(body.errors[0].message).toMatch(/conflictingItem/);
    });

    it('a syntax error: 400 GRAPHQL_PARSE_FAILED', async () => {
      const { status, body } = await gql('mutation {', {});
      expect(status).toBe(400);
      expect(body.errors[0].extensions.code).toBe('GRAPHQL_PARSE_FAILED');
    });

    it('a person without communication (the schema requires it): 400 BAD_USER_INPUT', async () => {
      const input = transition('id-1');
      const { status, body } = await gql(CREATE, { input: { candidateProfile: { profileId: 'x' }, candidateProcessHistoryItem: { ...input, primaryParties: [{ person: { name: { formattedName: 'T' } } }] } } });
      expect(status).toBe(400);
      expect(body.errors[0].extensions.code).toBe('BAD_USER_INPUT');
      expect(body.errors[0].message).toMatch(/communication/);
    });
  });

  describe('uploaded candidates', () => {
    it('uploads once per hirer and email; a duplicate gets _Conflict with the existing ids', async () => {
      const first = await gql(UPLOAD, { input: uploadInput('Terry@Example.com') });
      expect(first.body.data.uploadCandidate.__typename).toBe('UploadCandidatePayload_Success');
      const again = await gql(UPLOAD, { input: uploadInput('terry@example.com') });
      expect(again.body.data.uploadCandidate.__typename).toBe('UploadCandidatePayload_Conflict');
      expect(again.body.data.uploadCandidate.conflictingCandidate).toEqual(first.body.data.uploadCandidate.candidate);
      const otherHirer = await gql(UPLOAD, { input: uploadInput('terry@example.com', 'seekAnz:organization:seek:other') });
      expect(otherHirer.body.data.uploadCandidate.__typename).toBe('UploadCandidatePayload_Success');
      expect(sandbox.state.candidates.size).toBe(2);
    });

    it('in "schema text" mode a duplicate answers BAD_USER_INPUT', async () => {
      sandbox.settings({ duplicateUpload: 'bad-user-input' });
      await upload('terry@example.com');
      const { status, body } = await gql(UPLOAD, { input: uploadInput('terry@example.com') });
      expect(status).toBe(200);
      expect(body.errors[0].extensions.code).toBe('BAD_USER_INPUT');
    });

    it('seekPrimaryEmailAddress must be one of the person\'s emails', async () => {
      const input = uploadInput('a@example.com');
      input.candidate.seekPrimaryEmailAddress = 'b@example.com';
      expect((await gql(UPLOAD, { input })).body.errors[0].extensions.code).toBe('BAD_USER_INPUT');
    });

    it('a hirer without a relationship answers FORBIDDEN', async () => {
      sandbox.settings({ forbiddenHirers: [HIRER] });
      expect((await gql(UPLOAD, { input: uploadInput('a@example.com') })).body.errors[0].extensions.code).toBe('FORBIDDEN');
    });
  });

  describe('process history items', () => {
    it('idempotencyId is unique per candidate profile: a repeat is a _Conflict with the same item, not updated', async () => {
      const profileId = await upload('t@example.com');
      const first = await gql(CREATE, { input: { candidateProfile: { profileId }, candidateProcessHistoryItem: transition('idem-1') } });
      expect(first.body.data.createCandidateProcessHistoryItem.__typename).toBe('CreateCandidateProcessHistoryItemPayload_Success');
      const itemId = first.body.data.createCandidateProcessHistoryItem.candidateProcessHistoryItem.id.value;
      const repeat = await gql(CREATE, { input: { candidateProfile: { profileId }, candidateProcessHistoryItem: transition('idem-1', { status: { code: 'Successful' } }) } });
      expect(repeat.body.data.createCandidateProcessHistoryItem).toEqual({ __typename: 'CreateCandidateProcessHistoryItemPayload_Conflict', conflictingCandidateProcessHistoryItem: { id: { value: itemId } } });
      expect(sandbox.state.itemsOf(profileId)).toHaveLength(1);
      expect((sandbox.state.items.get(itemId)?.item.status as { code: string }).code).toBe('Offer');
      // Same idempotencyId on another profile is a different item.
      const other = await upload('u@example.com');
      expect((await gql(CREATE, { input: { candidateProfile: { profileId: other }, candidateProcessHistoryItem: transition('idem-1') } })).body.data.createCandidateProcessHistoryItem.__typename).toBe(
        'CreateCandidateProcessHistoryItemPayload_Success',
      );
    });

    it.each([
      ['an unknown profile', 'unknown', {}, /uploaded candidate profile/],
      ['a transition without status', null, { status: undefined }, /status must be provided/],
      ['a transition without position profile', null, { positionProfile: undefined, seekSource: undefined }, /positionProfile/],
      ['a position profile without seekSource', null, { seekSource: undefined }, /seekSource is required/],
      ['an unknown status code', null, { status: { code: 'Hired' } }, /status.code/],
      ['no description', null, { action: { code: 'Note', name: 'x' }, status: undefined, positionProfile: undefined, seekSource: undefined }, /description is required/],
      ['a description over 1,000 characters', null, { action: { code: 'Note', name: 'x', description: 'd'.repeat(1001) }, status: undefined, positionProfile: undefined, seekSource: undefined }, /1,000/],
      ['no primary party', null, { primaryParties: [] }, /primaryParties/],
    ])('refuses %s with BAD_USER_INPUT', async (_what, profile, overrides, message) => {
      const profileId = profile ?? (await upload('t@example.com'));
      const { status, body } = await gql(CREATE, { input: { candidateProfile: { profileId }, candidateProcessHistoryItem: transition('idem-x', overrides) } });
      expect(status).toBe(200);
      expect(body.errors[0].extensions.code).toBe('BAD_USER_INPUT');
      expect(body.errors[0].message).toMatch(message);
      expect(sandbox.state.items.size).toBe(0);
    });

    it('a general interaction without position is accepted (seed example)', async () => {
      const profileId = await upload('t@example.com');
      const item = { action: { code: 'Note', name: 'Contact again later', description: 'Not looking now' }, actionDate: '1999-07-26T23:48:58.775Z', idempotencyId: '00000000-0000-0000-0000-000000000001', primaryParties: [party] };
      expect((await gql(CREATE, { input: { candidateProfile: { profileId }, candidateProcessHistoryItem: item } })).body.data.createCandidateProcessHistoryItem.__typename).toBe(
        'CreateCandidateProcessHistoryItemPayload_Success',
      );
    });

    it('update replaces an item; delete removes it', async () => {
      const profileId = await upload('t@example.com');
      const created = await gql(CREATE, { input: { candidateProfile: { profileId }, candidateProcessHistoryItem: transition('idem-2') } });
      const id = created.body.data.createCandidateProcessHistoryItem.candidateProcessHistoryItem.id.value;
      const { idempotencyId: _unused, ...replacement } = transition('idem-2', { status: { code: 'Successful' } });
      expect((await gql(UPDATE, { input: { candidateProcessHistoryItem: { ...replacement, id } } })).body.data.updateCandidateProcessHistoryItem.candidateProcessHistoryItem.id.value).toBe(id);
      expect((sandbox.state.items.get(id)?.item.status as { code: string }).code).toBe('Successful');
      expect((await gql(DELETE, { input: { candidateProcessHistoryItem: { id } } })).body.data.deleteCandidateProcessHistoryItem.candidateProcessHistoryItem.id.value).toBe(id);
      expect(sandbox.state.items.size).toBe(0);
    });
  });

  describe('faults and controls over HTTP', () => {
    const control = async (path: string, body?: unknown, method = 'POST') =>
      fetch(`${sandbox.url}/_sandbox/${path}`, { method, headers: { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });

    it('N× 5xx, N× 429 with Retry-After, N× GraphQL error code, then normal again', async () => {
      expect((await control('faults', { serverError: { count: 1, status: 502 }, rateLimit: { count: 1, retryAfter: 3 }, graphqlError: { count: 1, code: 'INTERNAL_SERVER_ERROR' } })).status).toBe(200);
      const limited = await gql(UPLOAD, { input: uploadInput('a@example.com') });
      expect(limited.status).toBe(429);
      expect(limited.headers.get('retry-after')).toBe('3');
      expect((await gql(UPLOAD, { input: uploadInput('a@example.com') })).status).toBe(502);
      const failed = await gql(UPLOAD, { input: uploadInput('a@example.com') });
      expect(failed.body.errors[0].extensions.code).toBe('INTERNAL_SERVER_ERROR');
      expect(sandbox.state.candidates.size).toBe(0);
      expect((await gql(UPLOAD, { input: uploadInput('a@example.com') })).body.data.uploadCandidate.__typename).toBe('UploadCandidatePayload_Success');
    });

    it('faults can target one operation', async () => {
      sandbox.faults({ graphqlError: { count: 1, code: 'FORBIDDEN', operation: 'createCandidateProcessHistoryItem' } });
      const profileId = await upload('t@example.com');
      expect((await gql(CREATE, { input: { candidateProfile: { profileId }, candidateProcessHistoryItem: transition('i') } })).body.errors[0].extensions.code).toBe('FORBIDDEN');
    });

    it('hang with an abort: the candidate exists although the client saw no answer', async () => {
      sandbox.faults({ hang: { count: 1 } });
      const aborted = await fetch(sandbox.graphqlUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({ query: UPLOAD, variables: { input: uploadInput('h@example.com') } }),
        signal: AbortSignal.timeout(300),
      }).then(
        () => 'answered',
        () => 'aborted',
      );
      expect(aborted).toBe('aborted');
      expect(sandbox.state.candidates.size).toBe(1);
      expect(sandbox.operations.at(-1)?.outcome).toBe('hang');
    });

    it('latency: every GraphQL request is answered that much later, until reset', async () => {
      expect((await control('faults', { latencyMs: 'slow' })).status).toBe(400);
      expect(((await (await control('faults', { latencyMs: 200 })).json()) as { latencyMs: number }).latencyMs).toBe(200);
      const started = Date.now();
      await upload('slow@example.com');
      expect(Date.now() - started).toBeGreaterThanOrEqual(190);
      await control('reset');
      expect(sandbox.state.faults.latencyMs).toBe(0);
    });

    it('operations are recorded with tracing headers; HTTP serves them without PII', async () => {
      await upload('secret.person@example.com');
      const record = sandbox.operations.at(-1)!;
      expect(record).toMatchObject({ operation: 'uploadCandidate', outcome: 'success', requestId: 'r1', sessionId: 's1', bearer: true });
      const served = await (await control('operations', undefined, 'GET')).text();
      expect(served).toContain('uploadCandidate');
      expect(served).not.toContain('secret.person@example.com');
      expect(served).not.toContain('Astley');
      const state = (await (await control('state', undefined, 'GET')).json()) as { candidates: unknown[] };
      expect(state.candidates).toHaveLength(1);
      expect(JSON.stringify(state)).not.toContain('example.com');
    });

    it('settings, expire-tokens and reset over HTTP; bad control input is refused', async () => {
      expect((await control('settings', { duplicateUpload: 'bad-user-input' })).status).toBe(200);
      expect(sandbox.state.settings.duplicateUpload).toBe('bad-user-input');
      expect((await control('settings', { duplicateUpload: 'maybe' })).status).toBe(400);
      expect((await control('faults', { serverError: { count: -1 } })).status).toBe(400);
      expect((await control('expire-tokens')).status).toBe(200);
      expect((await gql(UPLOAD, { input: uploadInput('a@example.com') })).body.errors[0].extensions.code).toBe('UNAUTHENTICATED');
      expect((await control('reset')).status).toBe(200);
      expect(sandbox.state.settings.duplicateUpload).toBe('conflict');
      expect(sandbox.state.tokens.size).toBe(0);
    });
  });
});
