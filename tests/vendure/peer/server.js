// Boot the Vendure server (no worker: see vendure-config.js). SIGTERM closes it cleanly.
process.env.VENDURE_DISABLE_TELEMETRY = 'true';

const { bootstrap } = require('@vendure/core');
const { config } = require('./vendure-config');

bootstrap(config)
    .then(app => {
        const close = () => app.close().then(() => process.exit(0), () => process.exit(1));
        process.once('SIGTERM', close);
        process.once('SIGINT', close);
    })
    .catch(err => {
        console.error(err);
        process.exit(1);
    });
