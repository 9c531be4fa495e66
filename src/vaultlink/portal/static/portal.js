// The portal's little JavaScript: wizard tabs, filtered dropdowns, the private endpoint blade, the connection
// dialogs, and the live name check. Every form still posts as plain HTML; the server validates everything.
(function () {
  "use strict";
  const $ = (sel, root) => (root || document).querySelector(sel);
  const $$ = (sel, root) => Array.from((root || document).querySelectorAll(sel));

  // Wizard tabs and Previous / Next.
  function selectTab(tab) {
    const list = tab.closest("[role=tablist]");
    $$("[role=tab]", list).forEach((t) => {
      const on = t === tab;
      t.setAttribute("aria-selected", on ? "true" : "false");
      const panel = document.getElementById(t.getAttribute("aria-controls"));
      if (panel) panel.hidden = !on;
    });
  }
  $$("[role=tab]").forEach((tab) => tab.addEventListener("click", () => selectTab(tab)));
  $$("[data-step]").forEach((button) => button.addEventListener("click", () => {
    const tabs = $$("[role=tab]", button.closest("form"));
    const at = tabs.findIndex((t) => t.getAttribute("aria-selected") === "true");
    const next = tabs[Math.max(0, Math.min(tabs.length - 1, at + Number(button.dataset.step)))];
    if (next) selectTab(next);
  }));

  // A new resource group's name is asked only for "Create new".
  $$("[data-new-group]").forEach((select) => {
    const row = $(select.dataset.newGroup);
    const sync = () => { row.hidden = select.value !== "(new)"; };
    select.addEventListener("change", sync); sync();
  });

  // Dropdowns filtered by a location or a virtual network.
  function filtered(select, source, attr, match) {
    const sync = () => {
      let firstVisible = null;
      $$("option", select).forEach((o) => {
        const show = match(o.dataset[attr] || "", source.value);
        o.hidden = !show; o.disabled = !show;
        if (show && !firstVisible) firstVisible = o;
      });
      const current = select.selectedOptions[0];
      if (!current || current.disabled) select.value = firstVisible ? firstVisible.value : "";
      select.dispatchEvent(new Event("change"));
    };
    source.addEventListener("change", sync); sync();
  }
  const norm = (s) => s.replace(/ /g, "").toLowerCase();
  $$("[data-filter-by-location]").forEach((s) => filtered(s, $(s.dataset.filterByLocation), "location",
    (v, want) => norm(v) === norm(want)));
  $$("[data-filter-by-vnet]").forEach((s) => filtered(s, $(s.dataset.filterByVnet), "vnet",
    (v, want) => v.toLowerCase() === (want || "").toLowerCase()));

  // Radios that show one section and hide another.
  $$("input[type=radio][data-toggles], input[type=radio][data-hides]").forEach((radio) => {
    radio.addEventListener("change", () => {
      if (radio.dataset.toggles) $(radio.dataset.toggles).hidden = false;
      if (radio.dataset.hides) $(radio.dataset.hides).hidden = true;
    });
  });

  // The network interface name follows the endpoint's name until it is edited.
  $$("[data-nic-source]").forEach((name) => {
    const nic = $(name.dataset.nicSource);
    let edited = nic.value !== "" && nic.value !== name.value + "-nic";
    nic.addEventListener("input", () => { edited = true; });
    name.addEventListener("input", () => { if (!edited) nic.value = name.value ? name.value + "-nic" : ""; });
  });

  // Dialogs.
  $$("[data-open-dialog]").forEach((b) => b.addEventListener("click", () => $(b.dataset.openDialog).showModal()));
  $$("[data-close-dialog]").forEach((b) => b.addEventListener("click", () => b.closest("dialog").close()));
  document.addEventListener("click", (e) => {
    if (e.target.matches("[data-remove-row]")) e.target.closest("tr").remove();
  });

  // The key vault wizard's "Create private endpoint" blade.
  const blade = $("[data-pe-blade]");
  if (blade) {
    $("[data-pe-ok]", blade).addEventListener("click", () => {
      const name = $("#pe-name").value.trim();
      const location = $("#pe-location");
      const subnet = $("#pe-subnet");
      if (!name || !subnet.value) { $("#pe-name").focus(); return; }
      const dns = $("input[name=pe-dns]:checked", blade).value;
      const row = document.createElement("tr");
      const cell = (text, field, value) => {
        const td = document.createElement("td");
        td.textContent = text;
        const input = document.createElement("input");
        input.type = "hidden"; input.name = field; input.value = value;
        td.appendChild(input);
        return td;
      };
      row.append(cell(name, "pe_name", name), cell(location.selectedOptions[0].textContent, "pe_location", location.value),
        cell($("#pe-vnet").selectedOptions[0].textContent + " / " + subnet.selectedOptions[0].textContent, "pe_subnet", subnet.value),
        cell(dns === "yes" ? "Yes" : "No", "pe_dns", dns));
      const td = document.createElement("td");
      const del = document.createElement("button");
      del.type = "button"; del.textContent = "Delete"; del.dataset.removeRow = "";
      td.appendChild(del); row.appendChild(td);
      $("#pe-table tbody").appendChild(row);
      blade.close();
    });
  }

  // Approve, Reject and Remove ask for a description, then post the selected rows.
  const dialog = $("#connection-dialog");
  if (dialog) {
    const titles = { approve: "Approve connection", reject: "Reject connection", remove: "Remove connection" };
    const questions = {
      approve: "Do you want to approve the selected connections?",
      reject: "Do you want to reject the selected connections?",
      remove: "Do you want to remove the selected connections?",
    };
    $$("[data-connection-action]").forEach((b) => b.addEventListener("click", () => {
      const action = b.dataset.connectionAction;
      $("#connection-action").value = action;
      $("#connection-dialog-title").textContent = titles[action];
      $("#connection-dialog-question").textContent = questions[action];
      $("#connection-dialog-description").value = "";
      dialog.showModal();
    }));
    $("[data-connection-confirm]", dialog).addEventListener("click", () => {
      $("#connection-description").value = $("#connection-dialog-description").value;
      dialog.close();
      $("#connections-form").submit();
    });
  }

  // The firewall tab: the rules apply only to "selected networks".
  const firewall = $("[data-firewall]");
  if (firewall) {
    const sync = () => {
      const picked = $("input[name=public_network]:checked", firewall);
      $("[data-selected-only]", firewall).hidden = !picked || picked.value !== "selected";
    };
    $$("input[name=public_network]", firewall).forEach((r) => r.addEventListener("change", sync));
    firewall.addEventListener("reset", () => setTimeout(sync));
    sync();
  }

  // The live key vault name check.
  $$("[data-name-check]").forEach((input) => {
    const status = document.getElementById(input.getAttribute("aria-describedby"));
    let timer = null;
    const check = async () => {
      const name = input.value.trim();
      if (!name) { status.textContent = ""; return; }
      const reply = await fetch(input.dataset.nameCheck + "?name=" + encodeURIComponent(name), { credentials: "same-origin" });
      if (!reply.ok) { status.textContent = "The name could not be checked."; return; }
      const answer = await reply.json();
      if (input.value.trim() !== name) return;
      status.textContent = answer.nameAvailable ? "The name " + name + " is available." : answer.message;
      status.className = "field-status " + (answer.nameAvailable ? "good" : "bad");
      input.setAttribute("aria-invalid", answer.nameAvailable ? "false" : "true");
    };
    input.addEventListener("input", () => { clearTimeout(timer); timer = setTimeout(check, 250); });
    if (input.value) check();
  });

  // Buttons that only work through the handlers above come disabled in the HTML, so nothing can click them
  // before those handlers exist (a slow script load would otherwise swallow the click).
  $$("[data-needs-script]").forEach((b) => { b.disabled = false; });
})();
