// An orders service on NestJS 11 (Express platform) with nestjs-pino, calling a stock
// service with Node's fetch. No tracing code: run it with
//   node --import otel-preload/register server.js
// Plain JavaScript: the decorators TypeScript would emit are applied by hand.
// PORT (default 3000; 0 for any), STOCK_URL (default http://127.0.0.1:3001).
// Prints {"port":N} on stdout once listening.
require('reflect-metadata');
const { Controller, Get, Inject, Injectable, Logger, Module, Param } = require('@nestjs/common');
const { NestFactory } = require('@nestjs/core');
const { LoggerModule, Logger: PinoLogger } = require('nestjs-pino');

const STOCK_URL = process.env.STOCK_URL ?? 'http://127.0.0.1:3001';

class StockClient {
  async levelOf(id) {
    const response = await fetch(`${STOCK_URL}/stock/${encodeURIComponent(id)}`);
    if (!response.ok) throw new Error(`stock service answered ${response.status}`);
    return (await response.json()).level;
  }
}
Injectable()(StockClient);

class OrdersController {
  constructor(stock) {
    this.stock = stock;
    this.logger = new Logger(OrdersController.name);
  }
  async find(id) {
    const level = await this.stock.levelOf(id);
    this.logger.log({ id, level }, 'order read');
    return { id, level };
  }
  price(id) {
    throw new Error(`order ${id} could not be priced`);
  }
}
for (const [method, path] of [['find', ':id'], ['price', ':id/price']]) {
  Reflect.decorate([Get(path)], OrdersController.prototype, method, Object.getOwnPropertyDescriptor(OrdersController.prototype, method));
  Param('id')(OrdersController.prototype, method, 0);
}
Inject(StockClient)(OrdersController, undefined, 0);
Controller('orders')(OrdersController);

class AppModule {}
Module({
  imports: [LoggerModule.forRoot({ pinoHttp: { autoLogging: false } })],
  controllers: [OrdersController],
  providers: [StockClient],
})(AppModule);

NestFactory.create(AppModule, { bufferLogs: true }).then(async (app) => {
  app.useLogger(app.get(PinoLogger));
  await app.listen(Number(process.env.PORT ?? 3000), '127.0.0.1');
  process.stdout.write(`${JSON.stringify({ port: app.getHttpServer().address().port })}\n`);
});
