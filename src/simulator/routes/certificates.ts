import type { FastifyInstance } from 'fastify';
import { toRfc3339Cst } from '../../lib/clock.ts';
import { sealResource } from '../../wechatpay/aead.ts';
import type { SimContext } from '../context.ts';
import { authenticate, sendJson } from '../route-helpers.ts';
import { SimError } from '../sim-error.ts';

/**
 * `GET /v3/certificates` (spec §2.3). Merchants in public-key mode have no platform certificate
 * and get WeChat's 404; otherwise the certificate comes encrypted under the APIv3 key, AAD `certificate`.
 */
export function registerCertificateRoutes(app: FastifyInstance, ctx: SimContext): void {
  app.get('/v3/certificates', async (req, reply) => {
    authenticate(ctx, req);
    if (ctx.keyMode === 'public-key') {
      throw new SimError(404, 'RESOURCE_NOT_EXISTS', '无可用的平台证书，请在商户平台-API安全申请使用微信支付公钥');
    }
    const cert = ctx.merchant.platformCertificate;
    const sealed = sealResource(ctx.merchant.apiV3Key, cert.pem, { associatedData: 'certificate' });
    return sendJson(reply, 200, {
      data: [
        {
          serial_no: cert.serial,
          effective_time: toRfc3339Cst(cert.notBefore.getTime()),
          expire_time: toRfc3339Cst(cert.notAfter.getTime()),
          encrypt_certificate: { algorithm: sealed.algorithm, nonce: sealed.nonce, associated_data: 'certificate', ciphertext: sealed.ciphertext },
        },
      ],
    });
  });
}
