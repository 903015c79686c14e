"""The seeded world: source tenant ``vendor-source.eu.qlikcloud.com`` with two template apps.

A pure function of the seed: fixed timestamps (``SEED_EPOCH``) and ids from the seeded
sequence, so every emulator started with the same seed begins identical. The template apps are
already reloaded (settled reloads, data model, lastReloadTime) and their script reads from the
``vendor_dw`` connection in the shared space "Templates".
"""

from __future__ import annotations

from qlikreconcile.emulator.config import SOURCE_HOST, EmulatorConfig
from qlikreconcile.emulator.state.apps import App, ScriptVersion, Sheet
from qlikreconcile.emulator.state.fault_config import FaultConfig
from qlikreconcile.emulator.state.ids import IdSource
from qlikreconcile.emulator.state.model import EmulatorState
from qlikreconcile.emulator.state.reload_lifecycle import new_reload, settle
from qlikreconcile.emulator.state.tenant import Connection, Space, Tenant, User

SOURCE_LICENSE_NUMBER = "9999000000004711"
SEED_EPOCH = 1_704_099_600.0  # 2024-01-01T09:00:00Z

SALES_SCRIPT = """///$tab Main
SET ThousandSep=',';
SET DecimalSep='.';
SET DateFormat='YYYY-MM-DD';

///$tab Load
LIB CONNECT TO 'Templates:vendor_dw';

Orders:
SQL SELECT order_id AS OrderID, customer_id AS CustomerID, product_id AS ProductID,
       order_date AS OrderDate, quantity AS Quantity, amount AS Amount
FROM sales.orders;

Customers:
SQL SELECT customer_id AS CustomerID, customer_name AS CustomerName, region AS Region,
       country AS Country
FROM sales.customers;

Products:
SQL SELECT product_id AS ProductID, product_name AS ProductName, category AS Category,
       list_price AS ListPrice
FROM sales.products;
"""

INVENTORY_SCRIPT = """///$tab Main
SET ThousandSep=',';
SET DecimalSep='.';

///$tab Load
LIB CONNECT TO 'Templates:vendor_dw';

Stock:
SQL SELECT sku AS SKU, warehouse_id AS WarehouseID, on_hand AS OnHand, reserved AS Reserved
FROM inventory.stock;

Warehouses:
SQL SELECT warehouse_id AS WarehouseID, warehouse_name AS WarehouseName, city AS City,
       latitude AS Latitude, longitude AS Longitude
FROM inventory.warehouses;

Movements:
SQL SELECT movement_id AS MovementID, sku AS SKU, warehouse_id AS WarehouseID,
       moved_at AS MovedAt, quantity AS Quantity
FROM inventory.movements;
"""

TEMPLATES: tuple[tuple[str, str, str, tuple[str, ...]], ...] = (
    (
        "Sales Analytics",
        "Sales KPIs by region, customer and product.",
        SALES_SCRIPT,
        ("Overview", "Sales by region", "Product performance"),
    ),
    (
        "Inventory Insights",
        "Stock levels, warehouses and stock movements.",
        INVENTORY_SCRIPT,
        ("Stock levels", "Warehouse map"),
    ),
)


def build_seed(config: EmulatorConfig) -> EmulatorState:
    ids = IdSource(config.seed)
    t = SEED_EPOCH
    developer = User(
        id=ids.new("user"),
        name="Vendor Developer",
        subject="auth0|vendor-developer",
        email="developer@vendor.example",
        roles=["TenantAdmin", "Developer"],
        created_at=t,
    )
    tenant = Tenant(
        id=ids.new("tenant"),
        name="vendor-source",
        hostnames=[SOURCE_HOST],
        datacenter="eu-west-1",
        region="eu",
        created_at=t,
        updated_at=t,
        status_updated_at=t,
        created_by_user=developer.id,
        license_number=SOURCE_LICENSE_NUMBER,
    )
    tenant.users[developer.id] = developer
    space = Space(
        id=ids.new("hex24"),
        name="Templates",
        type="shared",
        description="Template apps released to customer tenants",
        owner_id=developer.id,
        created_at=t,
        created_by=developer.id,
        updated_at=t,
    )
    tenant.spaces[space.id] = space
    connection = Connection(
        id=ids.new("uuid"),
        name="vendor_dw",
        connect_statement='CUSTOM CONNECT TO "provider=QvOdbcConnectorPackage.exe;driver=postgres;'
        'host=dw.vendor.internal;port=5432;db=vendor_dw;"',
        type="QvOdbcConnectorPackage.exe",
        datasource_id="postgres",
        space_id=space.id,
        username="qlik_reader",
        password="seeded-secret",
        user_id=developer.id,
        created_at=t,
        updated_at=t,
    )
    tenant.connections[connection.id] = connection
    for offset, (name, description, script, sheets) in enumerate(TEMPLATES):
        created = t + 60 * (offset + 1)
        app = App(
            id=ids.new("uuid"),
            item_id=ids.new("hex24"),
            name=name,
            description=description,
            space_id=space.id,
            owner_id=developer.id,
            created_at=created,
            modified_at=created,
        )
        app.scripts.append(
            ScriptVersion(
                id=ids.new("hex24"),
                script=script,
                version_message="Template v1",
                modified_at=created,
                modifier_id=developer.id,
            )
        )
        app.sheets = [
            Sheet(
                id=ids.new("hex24"),
                title=title,
                type="base",
                owner_id=developer.id,
                approved=False,
                created_at=created,
            )
            for title in sheets
        ]
        tenant.apps[app.id] = app
        reload = new_reload(
            reload_id=ids.new("hex24"),
            tenant=tenant,
            app=app,
            user_id=developer.id,
            partial=False,
            now=created + 30,
            queue_seconds=1.0,
            run_seconds=12.0,
            faults=FaultConfig(),
            seed=config.seed,
        )
        tenant.reloads[reload.id] = reload
    settle(tenant, t + 3600)
    return EmulatorState(seed=config.seed, id_counter=ids.counter, tenants={tenant.id: tenant})
