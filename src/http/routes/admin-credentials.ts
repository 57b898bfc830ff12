import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { findPaymentInScope } from '../../db/admin-read-models.ts';
import { AppError } from '../../lib/errors.ts';
import { merchantInScope } from '../../services/admin/admin-merchants.ts';
import { credentialStatus } from '../../services/admin/credential-status.ts';
import type { ServiceContext } from '../../services/context.ts';
import { changeApiV3Key } from '../../services/credentials/apiv3-key-change.ts';
import type { CredentialActor } from '../../services/credentials/credential-audit.ts';
import {
  addWechatPayPublicKey,
  cutOverToPublicKey,
  importPlatformCertificates,
  retireMerchantKey,
  stageMerchantKey,
  switchMerchantKey,
} from '../../services/credentials/merchant-key-change.ts';
import { useLocalSigner, useRemoteSigner } from '../../services/credentials/signer-mode.ts';
import { revealPayerOpenid } from '../../services/custody/reveal-personal-data.ts';
import { parseOrThrow } from '../../services/operators/operator-input.ts';
import { operatorOf, scopeOf } from '../plugins/operator-auth.ts';

type Id = { Params: { id: string } };

// Sizes are generous bounds against abuse; what a valid key or certificate is, the credential
// validators decide (with their stable `credential_*` codes), so zod only checks shape here.
const pem = z.string().min(1).max(16_384);
const apiV3KeyInput = z.strictObject({ apiv3_key: z.string().max(256) });
const stageInput = z.strictObject({ certificate_pem: pem, private_key_pem: pem });
const platformCertificatesInput = z.strictObject({ pems: z.array(pem).max(50) });
const publicKeyInput = z.strictObject({ public_key_id: z.string().max(64), public_key_pem: pem });
const revealInput = z.strictObject({ reason: z.string().max(1000).default('') });
// The remote signer's url and token are checked by useRemoteSigner (url_must_be_https, remote_signer_token_invalid).
const signerInput = z.discriminatedUnion('mode', [
  z.strictObject({ mode: z.literal('remote'), url: z.string().max(2048), token: z.string().max(1024) }),
  z.strictObject({ mode: z.literal('local') }),
]);

function credentialActor(req: FastifyRequest): CredentialActor {
  return { actor: { type: 'operator', id: operatorOf(req).operator.id }, ip: req.ip };
}

/**
 * The console's Keys page: the status of a merchant's WeChat credentials (no secret material) and
 * the guided rotations. Each mutation resolves the merchant within the operator's scope first
 * (404 otherwise), then calls the credential service, which audits inside its own transaction.
 * Submitted keys are never echoed: answers carry serials, ids and dates only.
 */
export function registerAdminCredentialRoutes(scope: FastifyInstance, ctx: ServiceContext): void {
  const base = '/admin/api/merchants/:id/credentials';
  const noStore = { 'cache-control': 'no-store' };

  scope.get<Id>(base, { config: { permission: 'merchants.read' } }, async (req, reply) => {
    return reply.headers(noStore).send(await credentialStatus(ctx, scopeOf(req), req.params.id));
  });

  scope.post<Id>(`${base}/apiv3-key`, { config: { permission: 'keys.manage' } }, async (req) => {
    const m = await merchantInScope(ctx, scopeOf(req), req.params.id);
    const body = parseOrThrow(apiV3KeyInput, req.body);
    return changeApiV3Key(ctx, m.id, body.apiv3_key, credentialActor(req));
  });

  scope.post<Id>(`${base}/merchant-key/stage`, { config: { permission: 'keys.manage' } }, async (req, reply) => {
    const m = await merchantInScope(ctx, scopeOf(req), req.params.id);
    const body = parseOrThrow(stageInput, req.body);
    const r = await stageMerchantKey(ctx, m.id, { certificatePem: body.certificate_pem, privateKeyPem: body.private_key_pem }, credentialActor(req));
    return reply.status(201).send(r);
  });

  scope.post<Id>(`${base}/merchant-key/switch`, { config: { permission: 'keys.manage' } }, async (req) => {
    const m = await merchantInScope(ctx, scopeOf(req), req.params.id);
    return switchMerchantKey(ctx, m.id, credentialActor(req));
  });

  scope.post<Id>(`${base}/merchant-key/retire`, { config: { permission: 'keys.manage' } }, async (req) => {
    const m = await merchantInScope(ctx, scopeOf(req), req.params.id);
    return retireMerchantKey(ctx, m.id, credentialActor(req));
  });

  scope.post<Id>(`${base}/platform-certificates`, { config: { permission: 'keys.manage' } }, async (req) => {
    const m = await merchantInScope(ctx, scopeOf(req), req.params.id);
    const body = parseOrThrow(platformCertificatesInput, req.body);
    return importPlatformCertificates(ctx, m.id, body.pems, credentialActor(req));
  });

  scope.post<Id>(`${base}/public-key`, { config: { permission: 'keys.manage' } }, async (req) => {
    const m = await merchantInScope(ctx, scopeOf(req), req.params.id);
    const body = parseOrThrow(publicKeyInput, req.body);
    await addWechatPayPublicKey(ctx, m.id, { publicKeyId: body.public_key_id, publicKeyPem: body.public_key_pem }, credentialActor(req));
    return credentialStatus(ctx, scopeOf(req), m.id);
  });

  scope.post<Id>(`${base}/public-key/cut-over`, { config: { permission: 'keys.manage' } }, async (req) => {
    const m = await merchantInScope(ctx, scopeOf(req), req.params.id);
    await cutOverToPublicKey(ctx, m.id, credentialActor(req));
    return credentialStatus(ctx, scopeOf(req), m.id);
  });

  // Remote signing (the merchant key in an HSM/KMS behind a signing service) or back to the sealed local key.
  scope.put<Id>(`${base}/signer`, { config: { permission: 'keys.manage' } }, async (req, reply) => {
    const m = await merchantInScope(ctx, scopeOf(req), req.params.id);
    const body = parseOrThrow(signerInput, req.body);
    if (body.mode === 'remote') await useRemoteSigner(ctx, m.id, { url: body.url, token: body.token }, credentialActor(req));
    else await useLocalSigner(ctx, m.id, credentialActor(req));
    return reply.headers(noStore).send(await credentialStatus(ctx, scopeOf(req), m.id));
  });

  // The full openid, once per call: every call is its own `pii.revealed` audit entry with the reason.
  scope.post<Id>('/admin/api/payments/:id/reveal-openid', { config: { permission: 'personal_data.read' } }, async (req, reply) => {
    const body = parseOrThrow(revealInput, req.body);
    const p = await findPaymentInScope(ctx.db, scopeOf(req), req.params.id);
    if (!p) throw new AppError('not_found', 'payment_not_found', 'No such payment.');
    const openid = await revealPayerOpenid(ctx, p.merchant_id, p.id, { ...credentialActor(req), reason: body.reason });
    return reply.headers(noStore).send({ payment_id: p.id, payer_openid: openid });
  });
}
