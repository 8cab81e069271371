'use strict';
// The S3-protocol server for the tests and the scale-out script: s3rver, plus the two calls it lacks and ClipSaver
// makes (AbortMultipartUpload, ListMultipartUploads), served from s3rver's own upload folders.
// Usage: node --openssl-legacy-provider server.js <data folder> <port> [bucket to create]
// With S3_EXIT_WITH=<pid> in the environment it stops when that process is gone (a test run that was killed).
// (s3rver's list continuation tokens use DES, which OpenSSL 3 keeps in its legacy provider.)
const fs = require('fs');
const path = require('path');
const S3rver = require('s3rver');

const [directory, port, bucket] = process.argv.slice(2);
const server = new S3rver({
  directory,
  port: Number(port),
  address: '127.0.0.1',
  silent: true,
  vhostBuckets: false,
  configureBuckets: bucket ? [{ name: bucket, configs: [] }] : [],
});

const uploadsOf = name => server.store.getResourcePath(name, undefined, 'uploads');
const xml = s => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

server.middleware.unshift(async (ctx, next) => {
  const [, name, ...rest] = ctx.path.split('/');
  const key = decodeURIComponent(rest.join('/'));
  if (ctx.method === 'DELETE' && key && 'uploadId' in ctx.query) {
    const dir = path.join(uploadsOf(name), path.basename(ctx.query.uploadId));
    if (!fs.existsSync(dir)) {
      ctx.status = 404;
      ctx.type = 'application/xml';
      ctx.body = '<?xml version="1.0" encoding="UTF-8"?><Error><Code>NoSuchUpload</Code><Message>The specified upload does not exist.</Message></Error>';
      return;
    }
    fs.rmSync(dir, { recursive: true, force: true });
    ctx.status = 204;
    return;
  }
  if (ctx.method === 'GET' && name && !key && 'uploads' in ctx.query) {
    const root = uploadsOf(name);
    const ids = fs.existsSync(root) ? fs.readdirSync(root) : [];
    const uploads = ids
      .filter(id => fs.existsSync(path.join(root, id, 'key')))
      .map(id => {
        const initiated = fs.statSync(path.join(root, id, 'key')).mtime.toISOString();
        const k = fs.readFileSync(path.join(root, id, 'key')).toString();
        return `<Upload><Key>${xml(k)}</Key><UploadId>${xml(id)}</UploadId><Initiated>${initiated}</Initiated><StorageClass>STANDARD</StorageClass></Upload>`;
      });
    ctx.type = 'application/xml';
    ctx.body = `<?xml version="1.0" encoding="UTF-8"?><ListMultipartUploadsResult><Bucket>${xml(name)}</Bucket><KeyMarker></KeyMarker><UploadIdMarker></UploadIdMarker><MaxUploads>1000</MaxUploads><IsTruncated>false</IsTruncated>${uploads.join('')}</ListMultipartUploadsResult>`;
    return;
  }
  await next();
});

const owner = Number(process.env.S3_EXIT_WITH || 0);
if (owner > 0) {
  setInterval(() => {
    try {
      process.kill(owner, 0);
    } catch {
      process.exit(0);
    }
  }, 2000).unref();
}

server.run().then(() => {
  console.log(`S3 server listening on http://127.0.0.1:${port}`);
}, err => {
  console.error(err);
  process.exit(1);
});
