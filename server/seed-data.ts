// Demo content for the embedded default: a small retail warehouse and the
// question/SQL pairs an analyst team would have collected for it.
export const DEMO_SCHEMA = `CREATE TABLE customers (id bigint PRIMARY KEY, name text NOT NULL, email text UNIQUE, country char(2), signed_up_at timestamptz NOT NULL);
CREATE TABLE products (id bigint PRIMARY KEY, sku text UNIQUE NOT NULL, name text NOT NULL, category text NOT NULL, unit_price numeric(10,2) NOT NULL);
CREATE TABLE orders (id bigint PRIMARY KEY, customer_id bigint REFERENCES customers(id), status text NOT NULL CHECK (status IN ('placed','shipped','delivered','returned')), placed_at timestamptz NOT NULL, total numeric(12,2) NOT NULL);
CREATE TABLE order_items (order_id bigint REFERENCES orders(id), product_id bigint REFERENCES products(id), quantity int NOT NULL, unit_price numeric(10,2) NOT NULL, PRIMARY KEY (order_id, product_id));
CREATE TABLE shipments (id bigint PRIMARY KEY, order_id bigint REFERENCES orders(id), carrier text NOT NULL, shipped_at timestamptz, delivered_at timestamptz);`;

export const DEMO_GOLDEN_RECORDS: Array<{ question: string; sql: string }> = [
  {
    question: "How many customers signed up in 2024?",
    sql: "SELECT count(*) FROM customers WHERE signed_up_at >= '2024-01-01' AND signed_up_at < '2025-01-01';",
  },
  { question: "What is the total revenue from delivered orders?", sql: "SELECT sum(total) FROM orders WHERE status = 'delivered';" },
  {
    question: "Which 5 products sold the most units?",
    sql: "SELECT p.name, sum(oi.quantity) AS units FROM order_items oi JOIN products p ON p.id = oi.product_id GROUP BY p.name ORDER BY units DESC LIMIT 5;",
  },
  {
    question: "How many orders were returned last month?",
    sql: "SELECT count(*) FROM orders WHERE status = 'returned' AND placed_at >= date_trunc('month', now()) - interval '1 month' AND placed_at < date_trunc('month', now());",
  },
  {
    question: "What is the average order value per country?",
    sql: "SELECT c.country, avg(o.total) FROM orders o JOIN customers c ON c.id = o.customer_id GROUP BY c.country ORDER BY 2 DESC;",
  },
  {
    question: "List customers who never placed an order.",
    sql: "SELECT c.name, c.email FROM customers c LEFT JOIN orders o ON o.customer_id = c.id WHERE o.id IS NULL;",
  },
  {
    question: "Which carrier has the fastest average delivery time?",
    sql: "SELECT carrier, avg(delivered_at - shipped_at) AS avg_time FROM shipments WHERE delivered_at IS NOT NULL GROUP BY carrier ORDER BY avg_time LIMIT 1;",
  },
  {
    question: "How many products are in each category?",
    sql: "SELECT category, count(*) FROM products GROUP BY category ORDER BY count(*) DESC;",
  },
  {
    question: "What was the revenue per month in 2024?",
    sql: "SELECT date_trunc('month', placed_at) AS month, sum(total) FROM orders WHERE placed_at >= '2024-01-01' AND placed_at < '2025-01-01' GROUP BY month ORDER BY month;",
  },
  {
    question: "Who are the top 10 customers by lifetime spend?",
    sql: "SELECT c.name, sum(o.total) AS spend FROM customers c JOIN orders o ON o.customer_id = c.id GROUP BY c.name ORDER BY spend DESC LIMIT 10;",
  },
  { question: "How many orders are still waiting to ship?", sql: "SELECT count(*) FROM orders WHERE status = 'placed';" },
  { question: "What share of orders were returned?", sql: "SELECT avg((status = 'returned')::int) FROM orders;" },
  {
    question: "Which products have never been ordered?",
    sql: "SELECT p.name FROM products p WHERE NOT EXISTS (SELECT 1 FROM order_items oi WHERE oi.product_id = p.id);",
  },
  {
    question: "What is the most expensive product in each category?",
    sql: "SELECT DISTINCT ON (category) category, name, unit_price FROM products ORDER BY category, unit_price DESC;",
  },
  {
    question: "How many distinct customers ordered in the last 30 days?",
    sql: "SELECT count(DISTINCT customer_id) FROM orders WHERE placed_at >= now() - interval '30 days';",
  },
  {
    question: "What is the average number of items per order?",
    sql: "SELECT avg(items) FROM (SELECT order_id, sum(quantity) AS items FROM order_items GROUP BY order_id) t;",
  },
  {
    question: "Which orders were shipped but not delivered after 14 days?",
    sql: "SELECT o.id FROM orders o JOIN shipments s ON s.order_id = o.id WHERE s.delivered_at IS NULL AND s.shipped_at < now() - interval '14 days';",
  },
  {
    question: "How much revenue did the Electronics category bring?",
    sql: "SELECT sum(oi.quantity * oi.unit_price) FROM order_items oi JOIN products p ON p.id = oi.product_id WHERE p.category = 'Electronics';",
  },
  {
    question: "How many customers are there per country?",
    sql: "SELECT country, count(*) FROM customers GROUP BY country ORDER BY count(*) DESC;",
  },
  { question: "What is the largest single order ever placed?", sql: "SELECT id, total FROM orders ORDER BY total DESC LIMIT 1;" },
  {
    question: "Which customers placed more than 5 orders?",
    sql: "SELECT c.name, count(*) FROM customers c JOIN orders o ON o.customer_id = c.id GROUP BY c.name HAVING count(*) > 5;",
  },
  {
    question: "What is the daily order count for the last 7 days?",
    sql: "SELECT placed_at::date AS day, count(*) FROM orders WHERE placed_at >= current_date - 6 GROUP BY day ORDER BY day;",
  },
  {
    question: "Which carrier shipped the most orders?",
    sql: "SELECT carrier, count(*) FROM shipments GROUP BY carrier ORDER BY count(*) DESC LIMIT 1;",
  },
  {
    question: "What fraction of revenue comes from repeat customers?",
    sql: "WITH counts AS (SELECT customer_id, count(*) AS n FROM orders GROUP BY customer_id) SELECT sum(o.total) FILTER (WHERE c.n > 1) / sum(o.total) FROM orders o JOIN counts c USING (customer_id);",
  },
  { question: "List the SKUs whose unit price is above 100.", sql: "SELECT sku FROM products WHERE unit_price > 100 ORDER BY sku;" },
  {
    question: "How many orders did each customer from Germany place?",
    sql: "SELECT c.name, count(o.id) FROM customers c LEFT JOIN orders o ON o.customer_id = c.id WHERE c.country = 'DE' GROUP BY c.name;",
  },
  { question: "What is the median order total?", sql: "SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY total) FROM orders;" },
  { question: "When was the most recent delivery?", sql: "SELECT max(delivered_at) FROM shipments;" },
];
