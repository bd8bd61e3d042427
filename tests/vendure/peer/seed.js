// Seed a fresh database for the IMS test peer, then exit. Run once per database, before
// server.js, with the same environment (see vendure-config.js). Boots the full server because
// the Populator is not registered in the worker's context (`bootstrapWorker` fails with "Nest
// could not find Populator element").
//
// What it creates:
//   - initial data (Populator): a country, zone, tax rate, shipping method, and a payment method
//     on Vendure's dummy test handler with automaticSettle, so payments are Settled at once;
//     the role "IMS sync" (ReadCatalog, UpdateCatalog, ReadStockLocation, ReadOrder);
//   - products.csv: 3 products / 6 tracked variants VEN-001 … VEN-006, with 0 units at the
//     "Default Stock Location" (so sales and allocations happen at IMS Warehouse: see
//     vendure-config.js);
//   - the stock location "IMS Warehouse" holding 10 units of every variant;
//   - the administrator ims-sync / ims-sync-pass in the "IMS sync" role.
// Everything after the initial data goes through the Admin API as the superadmin, as a user would.

process.env.VENDURE_DISABLE_TELEMETRY = 'true';

const path = require('path');
const { bootstrap, LanguageCode, Populator } = require('@vendure/core');
const { importProductsFromCsv } = require('@vendure/core/cli');
const { config, stockLocationName } = require('./vendure-config');

const INITIAL_STOCK = 10;

const initialData = {
    defaultLanguage: LanguageCode.en,
    defaultZone: 'Europe',
    countries: [{ name: 'United Kingdom', code: 'GB', zone: 'Europe' }],
    // The tax category is named after the rate; products.csv refers to it as "standard".
    taxRates: [{ name: 'Standard', percentage: 20 }],
    shippingMethods: [{ name: 'Standard Shipping', price: 500 }],
    paymentMethods: [
        {
            name: 'Test Payment',
            handler: {
                code: 'dummy-payment-handler',
                arguments: [{ name: 'automaticSettle', value: 'true' }],
            },
        },
    ],
    roles: [
        {
            code: 'ims-sync',
            description: 'IMS sync',
            permissions: ['ReadCatalog', 'UpdateCatalog', 'ReadStockLocation', 'ReadOrder'],
        },
    ],
    collections: [],
};

/** A tiny Admin API client logged in as the superadmin. */
async function adminApi() {
    const url = `http://127.0.0.1:${config.apiOptions.port}/admin-api`;
    let token;
    async function gql(query, variables = {}) {
        const headers = { 'content-type': 'application/json' };
        if (token) headers.authorization = `Bearer ${token}`;
        const res = await fetch(url, { method: 'POST', headers, body: JSON.stringify({ query, variables }) });
        token = res.headers.get('vendure-auth-token') || token;
        const body = await res.json();
        if (body.errors) throw new Error(`${query.trim().split('\n')[0]}: ${JSON.stringify(body.errors)}`);
        return body.data;
    }
    const { superadminCredentials: creds } = config.authOptions;
    const { login } = await gql(
        `mutation ($u: String!, $p: String!) { login(username: $u, password: $p) { __typename ... on ErrorResult { message } } }`,
        { u: creds.identifier, p: creds.password },
    );
    if (login.__typename !== 'CurrentUser') throw new Error(`superadmin login: ${login.message}`);
    return gql;
}

async function main() {
    const app = await bootstrap(config);
    try {
        // Called directly (not the CLI's populateInitialData) so that a failure stops the seed.
        await app.get(Populator).populateInitialData(initialData);
        const imported = await importProductsFromCsv(app, path.join(__dirname, 'products.csv'), LanguageCode.en);
        if (imported.errors && imported.errors.length) throw new Error(imported.errors.join('\n'));

        const gql = await adminApi();
        const { createStockLocation: location } = await gql(
            `mutation ($name: String!) { createStockLocation(input: { name: $name }) { id } }`,
            { name: stockLocationName },
        );
        const { productVariants } = await gql(`{ productVariants(options: { take: 100 }) { items { id } } }`);
        await gql(
            `mutation ($input: [UpdateProductVariantInput!]!) { updateProductVariants(input: $input) { id } }`,
            {
                input: productVariants.items.map(v => ({
                    id: v.id,
                    stockLevels: [{ stockLocationId: location.id, stockOnHand: INITIAL_STOCK }],
                })),
            },
        );
        const { roles } = await gql(`{ roles(options: { filter: { code: { eq: "ims-sync" } } }) { items { id } } }`);
        await gql(
            `mutation ($input: CreateAdministratorInput!) { createAdministrator(input: $input) { id } }`,
            {
                input: {
                    firstName: 'IMS',
                    lastName: 'Sync',
                    emailAddress: 'ims-sync',
                    password: 'ims-sync-pass',
                    roleIds: [roles.items[0].id],
                },
            },
        );
        console.log(`Seeded: ${productVariants.items.length} variants, location ${stockLocationName}`);
    } finally {
        await app.close();
    }
}

main().then(
    () => process.exit(0),
    err => {
        console.error(err);
        process.exit(1);
    },
);
