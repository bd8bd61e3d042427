// Vendure config for the IMS test peer: plain CommonJS (no TypeScript build), PostgreSQL through
// the pure-JS `pg` driver, schema by `synchronize` (every test run gets a fresh database), bound
// to 127.0.0.1. Everything that varies between runs comes from the environment (set by
// ../harness.py):
//   VENDURE_PORT            HTTP port (required)
//   VENDURE_DB_NAME         PostgreSQL database (required; must already exist)
//   VENDURE_DB_HOST/_PORT/_USER/_PASSWORD   default 127.0.0.1 / 5432 / postgres / ''
//   VENDURE_STOCK_LOCATION  the location seed.js creates for IMS (default "IMS Warehouse")
//   VENDURE_LOG_LEVEL       error | warn | info | verbose | debug (default info)

const { DefaultLogger, LogLevel, dummyPaymentHandler } = require('@vendure/core');

function required(name) {
    const value = process.env[name];
    if (!value) throw new Error(`${name} must be set`);
    return value;
}

const env = process.env;
const stockLocationName = env.VENDURE_STOCK_LOCATION || 'IMS Warehouse';
const logLevel = {
    error: LogLevel.Error,
    warn: LogLevel.Warn,
    info: LogLevel.Info,
    verbose: LogLevel.Verbose,
    debug: LogLevel.Debug,
}[env.VENDURE_LOG_LEVEL || 'info'];

/** @type {import('@vendure/core').VendureConfig} */
const config = {
    apiOptions: {
        hostname: '127.0.0.1',
        port: Number(required('VENDURE_PORT')),
        adminApiPath: 'admin-api',
        shopApiPath: 'shop-api',
    },
    authOptions: {
        // Bearer only: the session token comes back in the `vendure-auth-token` response header
        // and goes out as `Authorization: Bearer …`; no cookie jar needed in the tests.
        tokenMethod: 'bearer',
        superadminCredentials: { identifier: 'superadmin', password: 'superadmin' },
        requireVerification: false,
    },
    dbConnectionOptions: {
        type: 'postgres',
        host: env.VENDURE_DB_HOST || '127.0.0.1',
        port: Number(env.VENDURE_DB_PORT || 5432),
        username: env.VENDURE_DB_USER || 'postgres',
        password: env.VENDURE_DB_PASSWORD || '',
        database: required('VENDURE_DB_NAME'),
        synchronize: true, // throw-away peer: no migrations
        logging: false,
    },
    // Stock handling is Vendure's default, as in a real store the IMS connects to: the
    // MultiChannelStockLocationStrategy sells the sum over the channel's stock locations and
    // allocates from them in turn, skipping any without available stock. The seed leaves the
    // "Default Stock Location" at 0 for every variant, so what is for sale is what IMS sets at
    // "IMS Warehouse" and orders allocate there. (A test that puts stock at the default location
    // sees Vendure sum both, exactly as a real store would.)
    paymentOptions: {
        // Test handler; the seeded method sets automaticSettle, so a payment is Settled at once.
        paymentMethodHandlers: [dummyPaymentHandler],
    },
    logger: new DefaultLogger({ level: logLevel }),
    // No plugins: no search index, email or asset server are needed to sell and allocate stock.
    // Stock allocation and release run inside the order state transitions of the request that
    // makes them, not as jobs, so the server process alone (no worker, no job queue) is enough.
    plugins: [],
};

module.exports = { config, stockLocationName };
